//! Every string the app shows, in Chinese (zh-CN) and English.
//!
//! A string is a [`Text`] variant; [`Lang::t`] gives it in a language. A
//! `match` without a wildcard means a new string cannot ship untranslated.

use gongce_shared::{Fact, reports::ReportKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// From a browser language tag: Chinese for any `zh*`, else English.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppName,
    Tagline,
    SwitchLanguage,
    Locating,
    LocationRefused,
    LocationDenied,
    FromMapCentre,
    MyLocation,
    RetryLocation,
    NearestHere,
    ZoomInForAll,
    UnknownHere,
    IncludeUnknown,
    ClearFilters,
    ZoomIn,
    ZoomOut,
    OpenUntil,
    OtherMapApp,
    Pin,
    WidenHint,
    Map,
    SearchHere,
    Nearest,
    SkipToResults,
    NoResults,
    Loading,
    Offline,
    FetchFailed,
    FilterWheelchair,
    FilterBabyChange,
    FilterFamilyRoom,
    FilterFree,
    FilterOpenNow,
    FilterSeated,
    FilterStepFree,
    FilterAdultChanging,
    MoreFacts,
    Centimetres,
    SearchPlaces,
    SearchButton,
    SearchResults,
    ClearSearch,
    NoMatches,
    Filters,
    OpenNow,
    ClosedNow,
    HoursUnknown,
    TemporarilyClosed,
    Until,
    Wheelchair,
    BabyChange,
    FamilyRoom,
    Free,
    Yes,
    No,
    IsYes,
    IsNo,
    Unknown,
    OpeningHours,
    HoursNote,
    Address,
    Operator,
    LastVerified,
    NeverVerified,
    Navigate,
    Close,
    Details,
    North,
    NorthEast,
    East,
    SouthEast,
    South,
    SouthWest,
    West,
    NorthWest,
    Away,
    YouAreHere,
    MapCentre,
    SignIn,
    SignOut,
    Username,
    Password,
    WrongPassword,
    TooManyTries,
    Committee,
    Admin,
    Residents,
    OurToilets,
    AddToilet,
    TapTheMap,
    ConfirmPin,
    MovePin,
    Cancel,
    Save,
    Name,
    Edit,
    CloseTemporarily,
    Reopen,
    Reason,
    ClosingReason,
    ClosingReasonExample,
    ReopensOn,
    ConfirmClose,
    UseMyLocation,
    Saved,
    StaleEdit,
    Removed,
    ImportList,
    Source,
    File,
    CoordinateSystem,
    CheckFile,
    ConfirmImport,
    Row,
    Column,
    Value,
    Problem,
    Imported,
    NothingWritten,
    FixSwapped,
    SkipInvalid,
    WillWrite,
    WillSkip,
    WouldWriteNothing,
    Inserted,
    Updated,
    Unchanged,
    RemovedCount,
    RowsRead,
    RowsRejected,
    Toilets,
    ReportProblem,
    NoteOptional,
    NoteNeeded,
    SendReport,
    StillCorrect,
    Thanks,
    KindClosed,
    KindDirty,
    KindNoPaper,
    KindNoWater,
    KindBroken,
    KindWrongLocation,
    KindGone,
    KindOther,
    ReportedClosed,
    OpenReports,
    FixedOn,
    HideReportedClosed,
    ReportQueue,
    Acknowledge,
    Resolve,
    ResolutionNote,
    NoReports,
    Statistics,
    Organisation,
    OpenCount,
    Overdue,
    MedianAck,
    MedianResolve,
    HoursAgo,
    DaysAgo,
    Today,
    Metres,
    Kilometres,
    Organisations,
    Accounts,
    AddOrg,
    AddUser,
    OrgKind,
    District,
    Street,
    OrgResidents,
    OrgVillage,
    OrgHospital,
    OrgStreetOffice,
    OrgOther,
    Role,
    RoleAdmin,
    RoleCommittee,
    NoOrg,
    AccountDisabled,
    Disable,
    ConfirmDisable,
    Enable,
    NewPassword,
    DisableAccount,
    WebhookOk,
    WebhookFailing,
    WebhookFailed,
    WebhookPending,
    WebhookGivenUp,
    PreviewHeading,
    Position,
    Facilities,
    SetHoursByDay,
    SameEveryDay,
    WeekdaysAndWeekend,
    DayByDay,
    OpenFromTo,
    AllDay,
    ClosedAllDay,
    From,
    To,
    UseTheseHours,
}

impl Lang {
    pub fn t(self, text: Text) -> &'static str {
        use Text::*;
        let (zh, en) = match text {
            AppName => ("公厕", "Gongce"),
            Tagline => ("附近的公共厕所", "Public toilets near you"),
            SwitchLanguage => ("English", "中文"),
            Locating => ("正在获取您的位置…", "Finding where you are…"),
            LocationRefused => (
                "无法获取您的位置：距离从城市中心算起",
                "Your location is unavailable: distances are from the city centre",
            ),
            LocationDenied => (
                "未允许定位：距离从城市中心算起",
                "Location not allowed: distances are from the city centre",
            ),
            FromMapCentre => ("距离从地图中心算起", "Distances are from the map centre"),
            MyLocation => ("我的位置", "My location"),
            RetryLocation => ("重新定位", "Try location again"),
            NearestHere => ("离此处最近的公厕", "Nearest this spot"),
            ZoomInForAll => (
                "放大地图可显示区域内所有公厕",
                "Zoom in to see every toilet here",
            ),
            UnknownHere => ("个公厕未记录此信息", "here have no record of this"),
            IncludeUnknown => ("包括未知", "Include unknown"),
            ClearFilters => ("清除筛选", "Clear filters"),
            WidenHint => (
                "很多公厕没有记录这些信息。",
                "Many toilets have no record of these facts.",
            ),
            Map => ("地图", "Map"),
            ZoomIn => ("放大", "Zoom in"),
            OpenUntil => ("营业至", "Open until"),
            OtherMapApp => ("其他地图应用", "Other map app"),
            ZoomOut => ("缩小", "Zoom out"),
            Pin => ("新公厕的位置", "The new toilet's place"),
            SearchHere => ("搜索此区域", "Search this area"),
            Nearest => ("离您最近的公厕", "Nearest to you"),
            SkipToResults => ("跳到公厕列表", "Skip to the list"),
            NoResults => ("附近没有符合条件的公厕", "No matching toilets nearby"),
            Loading => ("加载中…", "Loading…"),
            Offline => ("离线：显示上次的结果", "Offline: showing the last results"),
            FetchFailed => ("加载失败，请重试", "Could not load; try again"),
            FilterWheelchair => ("无障碍", "Wheelchair"),
            FilterBabyChange => ("母婴", "Baby change"),
            FilterFamilyRoom => ("第三卫生间", "Family room"),
            FilterFree => ("免费", "Free"),
            FilterOpenNow => ("现在开放", "Open now"),
            FilterSeated => ("坐便", "Seated toilet"),
            FilterStepFree => ("无台阶", "Step-free"),
            FilterAdultChanging => ("成人护理台", "Adult changing"),
            MoreFacts => ("更多设施信息", "More facts"),
            SearchPlaces => ("搜索地名或公厕名称", "Search a place or toilet name"),
            SearchButton => ("搜索", "Search"),
            SearchResults => ("搜索结果", "Search results"),
            ClearSearch => ("清除搜索", "Clear search"),
            NoMatches => ("没有找到匹配的公厕", "No toilet matches"),
            Centimetres => ("厘米", "cm"),
            Filters => ("筛选", "Filters"),
            OpenNow => ("开放中", "Open now"),
            ClosedNow => ("已关闭", "Closed now"),
            HoursUnknown => ("开放时间未知", "Hours unknown"),
            TemporarilyClosed => ("暂停开放", "Temporarily closed"),
            Until => ("至", "until"),
            Wheelchair => ("无障碍设施", "Wheelchair accessible"),
            BabyChange => ("母婴设施", "Baby changing"),
            FamilyRoom => ("第三卫生间", "Family room"),
            Free => ("免费", "Free of charge"),
            Yes => ("有", "Yes"),
            No => ("无", "No"),
            // For a question that is not about having something: 免费？是/否.
            IsYes => ("是", "Yes"),
            IsNo => ("否", "No"),
            Unknown => ("未知", "Unknown"),
            OpeningHours => ("开放时间", "Opening hours"),
            HoursNote => ("说明", "Note"),
            Address => ("地址", "Address"),
            Operator => ("管理单位", "Run by"),
            LastVerified => ("信息核实于", "Last checked"),
            NeverVerified => ("信息未核实", "Never checked"),
            Navigate => ("导航前往", "Directions"),
            Close => ("关闭", "Close"),
            Details => ("详情", "Details"),
            North => ("北", "N"),
            NorthEast => ("东北", "NE"),
            East => ("东", "E"),
            SouthEast => ("东南", "SE"),
            South => ("南", "S"),
            SouthWest => ("西南", "SW"),
            West => ("西", "W"),
            NorthWest => ("西北", "NW"),
            Away => ("方向", "away"),
            YouAreHere => ("您的位置", "You are here"),
            MapCentre => ("地图中心", "Map centre"),
            SignIn => ("登录", "Sign in"),
            SignOut => ("退出登录", "Sign out"),
            Username => ("用户名", "Username"),
            Password => ("密码", "Password"),
            WrongPassword => ("用户名或密码错误", "Wrong username or password"),
            TooManyTries => (
                "尝试次数过多，请稍后再试",
                "Too many tries; wait and try again",
            ),
            Committee => ("居委会", "Committee"),
            Admin => ("管理员", "Admin"),
            Residents => ("找厕所", "Find"),
            OurToilets => ("我们管理的公厕", "Our toilets"),
            AddToilet => ("新增公厕", "Add a toilet"),
            TapTheMap => ("在地图上点选公厕位置", "Tap the map where the toilet is"),
            ConfirmPin => ("确认位置", "Confirm this place"),
            MovePin => ("重新选择", "Choose again"),
            Cancel => ("取消", "Cancel"),
            Save => ("保存", "Save"),
            Name => ("名称", "Name"),
            Edit => ("编辑", "Edit"),
            CloseTemporarily => ("暂停开放", "Close for a while"),
            Reopen => ("恢复开放", "Reopen"),
            Reason => ("原因", "Reason"),
            ClosingReason => ("原因（居民会看到）", "Reason (residents will read it)"),
            ClosingReasonExample => ("例如：管道维修", "e.g. pipe repairs"),
            ReopensOn => ("预计恢复日期（可不填）", "Reopens on (if known)"),
            ConfirmClose => ("确认暂停开放", "Confirm closing"),
            UseMyLocation => ("使用我的位置", "Use my location"),
            Saved => ("已保存", "Saved"),
            StaleEdit => (
                "此公厕已被他人修改，请刷新后再改",
                "Someone changed this toilet meanwhile; reload and edit again",
            ),
            Removed => ("已撤销", "Removed"),
            ImportList => ("导入公厕清单", "Import a list"),
            Source => ("数据来源名称", "Source name"),
            File => ("文件", "File"),
            CoordinateSystem => ("坐标系", "Coordinates"),
            CheckFile => ("检查文件", "Check the file"),
            ConfirmImport => ("确认导入", "Import it"),
            Row => ("行", "Row"),
            Column => ("列", "Column"),
            Value => ("值", "Value"),
            Problem => ("问题", "Problem"),
            Imported => ("已导入：", "Imported: "),
            NothingWritten => ("未写入任何数据", "Nothing was written"),
            FixSwapped => ("自动纠正经纬度颠倒", "Fix swapped latitude/longitude"),
            SkipInvalid => ("跳过有问题的行，导入其余", "Skip bad rows, import the rest"),
            WillWrite => ("确认后将：", "Importing will: "),
            WillSkip => ("跳过有问题的行", "skip rows with problems:"),
            WouldWriteNothing => (
                "有的行有问题，而没有选择跳过：确认导入不会写入任何数据。请修正文件，或勾选“跳过有问题的行”后重新检查。",
                "Some rows have problems and are not to be skipped: importing would write nothing. Fix the file, or tick “Skip bad rows” and check again.",
            ),
            Inserted => ("新增", "add"),
            Updated => ("更新", "update"),
            Unchanged => ("不变", "leave unchanged"),
            RemovedCount => ("移除", "remove"),
            RowsRead => ("读取行数", "Rows read"),
            RowsRejected => ("被拒绝的行", "Rows rejected"),
            Toilets => ("公厕数", "Toilets"),
            ReportProblem => ("报告问题", "Report a problem"),
            NoteOptional => ("补充说明（可选）", "Anything to add (optional)"),
            NoteNeeded => ("请说明是什么问题", "Please say what the problem is"),
            SendReport => ("发送报告", "Send report"),
            StillCorrect => ("信息仍然正确", "Still correct"),
            Thanks => ("谢谢，已收到", "Thank you, received"),
            KindClosed => ("关闭了", "Closed"),
            KindDirty => ("不干净", "Dirty"),
            KindNoPaper => ("没有厕纸", "No paper"),
            KindNoWater => ("没有水", "No water"),
            KindBroken => ("设施损坏", "Something broken"),
            KindWrongLocation => ("位置不对", "Wrong place on the map"),
            KindGone => ("已经没有了", "Gone"),
            KindOther => ("其他问题", "Something else"),
            ReportedClosed => ("多人报告已关闭", "Reported closed by several people"),
            OpenReports => ("待处理的报告", "Open reports"),
            FixedOn => ("已修复", "Fixed"),
            HideReportedClosed => ("隐藏被报告关闭的", "Hide reported closed"),
            ReportQueue => ("居民报告", "Residents' reports"),
            Acknowledge => ("已知悉", "Acknowledge"),
            Resolve => ("已处理", "Resolve"),
            ResolutionNote => ("处理说明", "What was done"),
            NoReports => ("没有待处理的报告", "No open reports"),
            Statistics => ("处理情况统计", "Report handling"),
            Organisation => ("单位", "Organisation"),
            Organisations => ("单位", "Organisations"),
            Accounts => ("账号", "Accounts"),
            AddOrg => ("新增单位", "Add an organisation"),
            AddUser => ("新增账号", "Add an account"),
            OrgKind => ("类型", "Kind"),
            District => ("区", "District"),
            Street => ("街道", "Street"),
            OrgResidents => ("居委会", "Residents' committee"),
            OrgVillage => ("村委会", "Village committee"),
            OrgHospital => ("社区医院", "Community hospital"),
            OrgStreetOffice => ("街道办事处", "Street office"),
            OrgOther => ("其他单位", "Other"),
            Role => ("角色", "Role"),
            RoleAdmin => ("管理员", "Admin"),
            RoleCommittee => ("单位成员", "Member"),
            NoOrg => ("无", "None"),
            AccountDisabled => ("已停用", "Disabled"),
            Disable => ("停用", "Disable"),
            ConfirmDisable => ("确认停用", "Confirm: disable"),
            Enable => ("启用", "Enable"),
            NewPassword => ("新密码（留空则不变）", "New password (blank keeps it)"),
            DisableAccount => ("停用此账号", "Disable this account"),
            WebhookOk => ("正常", "delivering"),
            WebhookFailing => ("重试中", "retrying"),
            WebhookFailed => ("已失败", "failed"),
            WebhookPending => ("待发送", "waiting"),
            WebhookGivenUp => ("已放弃", "given up"),
            PreviewHeading => (
                "将写入的公厕（前 20 个）",
                "Toilets to be written (the first 20)",
            ),
            Position => ("经纬度", "Position"),
            Facilities => ("设施", "Facilities"),
            SetHoursByDay => ("按星期设置开放时间", "Set the hours day by day"),
            SameEveryDay => ("每天相同", "Same every day"),
            WeekdaysAndWeekend => ("工作日与周末", "Weekdays and weekend"),
            DayByDay => ("逐日设置", "Day by day"),
            OpenFromTo => ("开放时段", "Open from–to"),
            AllDay => ("全天开放", "Open 24 hours"),
            ClosedAllDay => ("不开放", "Closed"),
            From => ("开始", "from"),
            To => ("结束", "to"),
            UseTheseHours => ("填入开放时间", "Use these hours"),
            OpenCount => ("待处理", "Open"),
            Overdue => ("超时", "Overdue"),
            MedianAck => ("响应用时中位数", "Median time to acknowledge"),
            MedianResolve => ("处理用时中位数", "Median time to resolve"),
            HoursAgo => ("小时前", "hours ago"),
            DaysAgo => ("天前", "days ago"),
            Today => ("今天", "today"),
            Metres => ("米", "m"),
            Kilometres => ("公里", "km"),
        };
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// "120 m" / "1.2 km", "120米" / "1.2公里".
    pub fn distance(self, metres: f64) -> String {
        let sep = if self == Lang::En { " " } else { "" };
        if metres < 1000.0 {
            format!("{:.0}{sep}{}", metres, self.t(Text::Metres))
        } else {
            format!("{:.1}{sep}{}", metres / 1000.0, self.t(Text::Kilometres))
        }
    }

    /// "5 min walk" / "步行约5分钟", at 4.8 km/h (80 m a minute), at least one minute.
    pub fn walk(self, metres: f64) -> String {
        let minutes = (metres / 80.0).ceil().max(1.0);
        match self {
            Lang::Zh => format!("步行约{minutes:.0}分钟"),
            Lang::En => format!("{minutes:.0} min walk"),
        }
    }

    /// The compass point of a bearing in degrees.
    pub fn compass(self, bearing: f64) -> &'static str {
        use Text::*;
        let points = [
            North, NorthEast, East, SouthEast, South, SouthWest, West, NorthWest,
        ];
        let i = ((bearing.rem_euclid(360.0) + 22.5) / 45.0) as usize % 8;
        self.t(points[i])
    }

    /// A detailed fact's name, as a label.
    pub fn fact(self, fact: Fact) -> &'static str {
        let (zh, en) = match fact {
            Fact::Seated => ("坐便", "Seated toilet"),
            Fact::Squat => ("蹲便", "Squat toilet"),
            Fact::GrabRails => ("扶手", "Grab rails"),
            Fact::StepFree => ("无台阶通道", "Step-free access"),
            Fact::AdultChanging => ("成人护理台", "Adult changing bench"),
            Fact::Ambulant => ("助行厕位", "Ambulant cubicle"),
            Fact::Paper => ("厕纸", "Toilet paper"),
            Fact::Soap => ("洗手液", "Soap"),
            Fact::DoorWidthCm => ("无障碍门宽", "Accessible door width"),
            Fact::StallsFemale => ("女厕位", "Women's stalls"),
            Fact::StallsMale => ("男厕位", "Men's stalls"),
            Fact::StallsAccessible => ("无障碍厕位", "Accessible stalls"),
            Fact::Urinals => ("小便器", "Urinals"),
            Fact::Grade => ("等级", "Grade"),
            Fact::Phone => ("管理电话", "Manager's phone"),
            Fact::FeeNote => ("收费标准", "Fee"),
            Fact::NameEn => ("英文名称", "Name in English"),
            Fact::AddressEn => ("英文地址", "Address in English"),
        };
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The words for a report kind.
    pub fn kind(self, kind: ReportKind) -> &'static str {
        use Text::*;
        self.t(match kind {
            ReportKind::Closed => KindClosed,
            ReportKind::Dirty => KindDirty,
            ReportKind::NoPaper => KindNoPaper,
            ReportKind::NoWater => KindNoWater,
            ReportKind::Broken => KindBroken,
            ReportKind::WrongLocation => KindWrongLocation,
            ReportKind::Gone => KindGone,
            ReportKind::Other => KindOther,
        })
    }

    /// "just now" / "5 min ago" / "2 hours ago" / "3 days ago", from an
    /// age in minutes.
    pub fn ago(self, minutes: i64) -> String {
        let zh = self == Lang::Zh;
        match minutes.max(0) {
            0 => (if zh { "刚刚" } else { "just now" }).to_owned(),
            m if m < 60 && zh => format!("{m}分钟前"),
            m if m < 60 => format!("{m} min ago"),
            m if m < 24 * 60 => match (self, m / 60) {
                (Lang::Zh, h) => format!("{h}{}", self.t(Text::HoursAgo)),
                (Lang::En, 1) => "1 hour ago".to_owned(),
                (Lang::En, h) => format!("{h} {}", self.t(Text::HoursAgo)),
            },
            m => self.days_ago(m / (24 * 60)),
        }
    }

    /// A duration in seconds, short: "45 s", "12 min", "3.5 h".
    pub fn duration(self, seconds: f64) -> String {
        let (value, unit) = if seconds < 90.0 {
            (
                format!("{seconds:.0}"),
                if self == Lang::Zh { "秒" } else { " s" },
            )
        } else if seconds < 5400.0 {
            (
                format!("{:.0}", seconds / 60.0),
                if self == Lang::Zh { "分钟" } else { " min" },
            )
        } else {
            (
                format!("{:.1}", seconds / 3600.0),
                if self == Lang::Zh { "小时" } else { " h" },
            )
        };
        format!("{value}{unit}")
    }

    /// Opening hours in words: "Mo-Fr 07:00-21:00; Sa,Su 08:00-20:00" reads
    /// 周一至周五 07:00–21:00；周六、周日 08:00–20:00. Anything beyond days,
    /// times, holidays and "off" is shown as written.
    pub fn hours(self, osm: &str) -> String {
        let zh = self == Lang::Zh;
        if osm.trim() == "24/7" {
            return (if zh { "全天开放" } else { "Open 24 hours" }).to_owned();
        }
        const DAYS: [(&str, &str, &str); 8] = [
            ("Mo", "周一", "Mon"),
            ("Tu", "周二", "Tue"),
            ("We", "周三", "Wed"),
            ("Th", "周四", "Thu"),
            ("Fr", "周五", "Fri"),
            ("Sa", "周六", "Sat"),
            ("Su", "周日", "Sun"),
            ("PH", "节假日", "holidays"),
        ];
        let mut rules = Vec::new();
        for rule in osm.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let (days, times) = match rule.split_once(' ') {
                Some((d, t)) if d.chars().next().is_some_and(char::is_alphabetic) => (d, t.trim()),
                _ if rule.starts_with(char::is_alphabetic) => (rule, ""),
                _ => ("Mo-Su", rule),
            };
            let days = if days == "Mo-Su" {
                (if zh { "每天" } else { "Every day" }).to_owned()
            } else {
                let mut out = String::new();
                for token in days.split_inclusive([',', '-']) {
                    let (day, sep) = token.split_at(token.trim_end_matches([',', '-']).len());
                    let Some(&(_, z, e)) = DAYS.iter().find(|d| d.0 == day) else {
                        return osm.to_owned();
                    };
                    out.push_str(if zh { z } else { e });
                    out.push_str(match (sep, zh) {
                        ("-", true) => "至",
                        ("-", false) => "–",
                        (",", true) => "、",
                        (",", false) => ", ",
                        _ => "",
                    });
                }
                out
            };
            let times = match times {
                "off" | "closed" => (if zh { "休息" } else { "closed" }).to_owned(),
                t if t.chars().all(|c| c.is_ascii_digit() || ":-,+ ".contains(c)) => t
                    .replace('-', "–")
                    .replace(',', if zh { "、" } else { ", " }),
                _ => return osm.to_owned(),
            };
            rules.push(format!("{days} {times}").trim().to_owned());
        }
        rules.join(if zh { "；" } else { "; " })
    }

    /// "08:00开放" / "opens 08:00".
    pub fn opens_at(self, hm: &str) -> String {
        match self {
            Lang::Zh => format!("{hm}开放"),
            Lang::En => format!("opens {hm}"),
        }
    }

    /// "today" / "3 days ago", for how fresh the information is.
    pub fn days_ago(self, days: i64) -> String {
        match (self, days) {
            (_, d) if d <= 0 => self.t(Text::Today).to_owned(),
            (Lang::Zh, d) => format!("{d}{}", self.t(Text::DaysAgo)),
            (Lang::En, 1) => "1 day ago".to_owned(),
            (Lang::En, d) => format!("{d} {}", self.t(Text::DaysAgo)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_read_as_words() {
        let osm = "Mo-Fr 07:00-21:00; Sa,Su 08:00-20:00";
        assert_eq!(
            Lang::Zh.hours(osm),
            "周一至周五 07:00–21:00；周六、周日 08:00–20:00"
        );
        assert_eq!(
            Lang::En.hours(osm),
            "Mon–Fri 07:00–21:00; Sat, Sun 08:00–20:00"
        );
        assert_eq!(Lang::Zh.hours("Mo-Su 06:00-22:00"), "每天 06:00–22:00");
        assert_eq!(Lang::En.hours("24/7"), "Open 24 hours");
        assert_eq!(
            Lang::Zh.hours("Mo-Sa 08:00-12:00,14:00-18:00; Su off"),
            "周一至周六 08:00–12:00、14:00–18:00；周日 休息"
        );
        assert_eq!(Lang::En.hours("PH off"), "holidays closed");
        // Beyond what is put in words: shown as written.
        assert_eq!(
            Lang::Zh.hours("Jan-Mar Mo 10:00-12:00"),
            "Jan-Mar Mo 10:00-12:00"
        );
        assert_eq!(Lang::En.hours("sunrise-sunset"), "sunrise-sunset");
    }

    #[test]
    fn browser_tags_choose_the_language() {
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag("zh-Hant-TW"), Lang::Zh);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("fr"), Lang::En);
    }

    #[test]
    fn distances_directions_and_ages_read_naturally() {
        assert_eq!(Lang::En.distance(87.4), "87 m");
        assert_eq!(Lang::Zh.distance(1234.0), "1.2公里");
        assert_eq!(Lang::Zh.walk(50.0), "步行约1分钟");
        assert_eq!(Lang::En.walk(1234.0), "16 min walk");
        assert_eq!(Lang::En.compass(0.0), "N");
        assert_eq!(Lang::En.compass(359.0), "N");
        assert_eq!(Lang::Zh.compass(135.0), "东南");
        assert_eq!(Lang::En.compass(-90.0), "W");
        assert_eq!(Lang::En.days_ago(0), "today");
        assert_eq!(Lang::Zh.days_ago(3), "3天前");
        assert_eq!(Lang::Zh.ago(0), "刚刚");
        assert_eq!(Lang::En.ago(-3), "just now");
        assert_eq!(Lang::Zh.ago(5), "5分钟前");
        assert_eq!(Lang::En.ago(59), "59 min ago");
        assert_eq!(Lang::En.ago(60), "1 hour ago");
        assert_eq!(Lang::En.ago(150), "2 hours ago");
        assert_eq!(Lang::Zh.ago(50 * 60), "2天前");
        assert_eq!(Lang::En.duration(30.0), "30 s");
        assert_eq!(Lang::Zh.duration(7200.0), "2.0小时");
        assert_eq!(Lang::En.kind(ReportKind::NoPaper), "No paper");
    }

    #[test]
    fn no_string_is_left_blank_or_untranslated() {
        // Spot-check that each language differs where words exist in both.
        for text in [Text::Nearest, Text::OpenNow, Text::Navigate, Text::SignIn] {
            assert_ne!(Lang::Zh.t(text), Lang::En.t(text));
            assert!(!Lang::Zh.t(text).is_empty() && !Lang::En.t(text).is_empty());
        }
    }
}
