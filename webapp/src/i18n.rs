//! Every string the app shows, in Simplified Chinese (zh-CN), Traditional
//! Chinese with Taiwan's wording (zh-TW: 廁所, 無障礙, 登入, 公尺…) and English.
//!
//! A string is a [`Text`] variant; [`Lang::t`] gives it in a language. A
//! `match` without a wildcard means a new string cannot ship untranslated.
//! The Traditional column is written as Taiwan says it, not converted
//! character by character from the Simplified one.

use gongce_shared::{Fact, RoomKind, reports::ReportKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese, as the mainland writes it.
    Zh,
    /// Traditional Chinese, as Taiwan writes it; chosen for Taiwan, Hong Kong
    /// and Macau too.
    Hant,
    En,
}

impl Lang {
    /// The languages, in the order the switch offers them.
    pub const ALL: [Lang; 3] = [Lang::Zh, Lang::Hant, Lang::En];

    /// From a browser language tag: Traditional for zh-Hant and for
    /// Taiwan, Hong Kong and Macau unless the tag says Hans; Simplified for
    /// any other `zh*`; else English.
    pub fn from_tag(tag: &str) -> Lang {
        let tag = tag.to_ascii_lowercase();
        let mut subtags = tag.split(['-', '_']);
        if subtags.next() != Some("zh") {
            return Lang::En;
        }
        let mut traditional = false;
        for subtag in subtags {
            match subtag {
                "hans" => return Lang::Zh,
                "hant" | "tw" | "hk" | "mo" => traditional = true,
                _ => {}
            }
        }
        if traditional { Lang::Hant } else { Lang::Zh }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::Hant => "zh-TW",
            Lang::En => "en",
        }
    }

    /// The language's name on the switch: 简 / 繁 / EN.
    pub fn short_name(self) -> &'static str {
        self.pick("简", "繁", "EN")
    }

    /// The language's full name, for the switch's screen-reader label.
    pub fn name(self) -> &'static str {
        self.pick("简体中文", "繁體中文", "English")
    }

    /// One of three things, by language.
    pub fn pick<T>(self, zh: T, tw: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::Hant => tw,
            Lang::En => en,
        }
    }

    /// Chinese, in either script.
    pub fn is_chinese(self) -> bool {
        self != Lang::En
    }

    /// What goes between a number and its unit: nothing in Chinese
    /// ("90公分"), a space in English ("90 cm").
    pub fn unit_gap(self) -> &'static str {
        if self.is_chinese() { "" } else { " " }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppName,
    /// What a toilet without a name is called.
    Toilet,
    Tagline,
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
    Rooms,
    /// Who may use a toilet (public, customers, key), in the import summary.
    Access,
    /// The import summary's "fields the list gave values".
    KnownValues,
}

impl Lang {
    pub fn t(self, text: Text) -> &'static str {
        use Text::*;
        let (zh, tw, en) = match text {
            AppName => ("公厕", "公廁", "Gongce"),
            Toilet => ("公厕", "公廁", "Toilet"),
            Tagline => (
                "附近的公共厕所",
                "附近的公共廁所",
                "Public toilets near you",
            ),
            Locating => (
                "正在获取您的位置…",
                "正在取得您的位置…",
                "Finding where you are…",
            ),
            LocationRefused => (
                "无法获取您的位置：距离从城市中心算起",
                "無法取得您的位置：距離從城市中心算起",
                "Your location is unavailable: distances are from the city centre",
            ),
            LocationDenied => (
                "未允许定位：距离从城市中心算起",
                "未允許定位：距離從城市中心算起",
                "Location not allowed: distances are from the city centre",
            ),
            FromMapCentre => (
                "距离从地图中心算起",
                "距離從地圖中心算起",
                "Distances are from the map centre",
            ),
            MyLocation => ("我的位置", "我的位置", "My location"),
            RetryLocation => ("重新定位", "重新定位", "Try location again"),
            NearestHere => ("离此处最近的公厕", "離此處最近的公廁", "Nearest this spot"),
            ZoomInForAll => (
                "放大地图可显示区域内所有公厕",
                "放大地圖可顯示區域內所有公廁",
                "Zoom in to see every toilet here",
            ),
            UnknownHere => (
                "个公厕未记录此信息",
                "個公廁未記錄此資訊",
                "here have no record of this",
            ),
            IncludeUnknown => ("包括未知", "包括未知", "Include unknown"),
            ClearFilters => ("清除筛选", "清除篩選", "Clear filters"),
            WidenHint => (
                "很多公厕没有记录这些信息。",
                "很多公廁沒有記錄這些資訊。",
                "Many toilets have no record of these facts.",
            ),
            Map => ("地图", "地圖", "Map"),
            ZoomIn => ("放大", "放大", "Zoom in"),
            OpenUntil => ("营业至", "營業至", "Open until"),
            OtherMapApp => ("其他地图应用", "其他地圖App", "Other map app"),
            ZoomOut => ("缩小", "縮小", "Zoom out"),
            Pin => ("新公厕的位置", "新公廁的位置", "The new toilet's place"),
            SearchHere => ("搜索此区域", "搜尋此區域", "Search this area"),
            Nearest => ("离您最近的公厕", "離您最近的公廁", "Nearest to you"),
            SkipToResults => ("跳到公厕列表", "跳到公廁列表", "Skip to the list"),
            NoResults => (
                "附近没有符合条件的公厕",
                "附近沒有符合條件的公廁",
                "No matching toilets nearby",
            ),
            Loading => ("加载中…", "載入中…", "Loading…"),
            Offline => (
                "离线：显示上次的结果",
                "離線：顯示上次的結果",
                "Offline: showing the last results",
            ),
            FetchFailed => (
                "加载失败，请重试",
                "載入失敗，請重試",
                "Could not load; try again",
            ),
            FilterWheelchair => ("无障碍", "無障礙", "Wheelchair"),
            FilterBabyChange => ("母婴", "尿布台", "Baby change"),
            FilterFamilyRoom => ("第三卫生间", "親子廁所", "Family room"),
            FilterFree => ("免费", "免費", "Free"),
            FilterOpenNow => ("现在开放", "現在開放", "Open now"),
            FilterSeated => ("坐便", "坐式馬桶", "Seated toilet"),
            FilterStepFree => ("无台阶", "無階梯", "Step-free"),
            FilterAdultChanging => ("成人护理台", "成人照護床", "Adult changing"),
            MoreFacts => ("更多设施信息", "更多設施資訊", "More facts"),
            SearchPlaces => (
                "搜索地名或公厕名称",
                "搜尋地點或廁所名稱",
                "Search a place or toilet name",
            ),
            SearchButton => ("搜索", "搜尋", "Search"),
            SearchResults => ("搜索结果", "搜尋結果", "Search results"),
            ClearSearch => ("清除搜索", "清除搜尋", "Clear search"),
            NoMatches => ("没有找到匹配的公厕", "沒有符合的公廁", "No toilet matches"),
            Centimetres => ("厘米", "公分", "cm"),
            Filters => ("筛选", "篩選", "Filters"),
            OpenNow => ("开放中", "開放中", "Open now"),
            ClosedNow => ("已关闭", "已關閉", "Closed now"),
            HoursUnknown => ("开放时间未知", "開放時間未知", "Hours unknown"),
            TemporarilyClosed => ("暂停开放", "暫停開放", "Temporarily closed"),
            Until => ("至", "至", "until"),
            Wheelchair => ("无障碍设施", "無障礙設施", "Wheelchair accessible"),
            BabyChange => ("母婴设施", "尿布台", "Baby changing"),
            FamilyRoom => ("第三卫生间", "親子廁所", "Family room"),
            Free => ("免费", "免費", "Free of charge"),
            Yes => ("有", "有", "Yes"),
            No => ("无", "無", "No"),
            // For a question that is not about having something: 免费？是/否.
            IsYes => ("是", "是", "Yes"),
            IsNo => ("否", "否", "No"),
            Unknown => ("未知", "未知", "Unknown"),
            OpeningHours => ("开放时间", "開放時間", "Opening hours"),
            HoursNote => ("说明", "說明", "Note"),
            Address => ("地址", "地址", "Address"),
            Operator => ("管理单位", "管理單位", "Run by"),
            LastVerified => ("信息核实于", "資訊確認於", "Last checked"),
            NeverVerified => ("信息未核实", "資訊未確認", "Never checked"),
            Navigate => ("导航前往", "導航前往", "Directions"),
            Close => ("关闭", "關閉", "Close"),
            Details => ("详情", "詳情", "Details"),
            North => ("北", "北", "N"),
            NorthEast => ("东北", "東北", "NE"),
            East => ("东", "東", "E"),
            SouthEast => ("东南", "東南", "SE"),
            South => ("南", "南", "S"),
            SouthWest => ("西南", "西南", "SW"),
            West => ("西", "西", "W"),
            NorthWest => ("西北", "西北", "NW"),
            Away => ("方向", "方向", "away"),
            YouAreHere => ("您的位置", "您的位置", "You are here"),
            MapCentre => ("地图中心", "地圖中心", "Map centre"),
            SignIn => ("登录", "登入", "Sign in"),
            SignOut => ("退出登录", "登出", "Sign out"),
            Username => ("用户名", "使用者名稱", "Username"),
            Password => ("密码", "密碼", "Password"),
            WrongPassword => (
                "用户名或密码错误",
                "使用者名稱或密碼錯誤",
                "Wrong username or password",
            ),
            TooManyTries => (
                "尝试次数过多，请稍后再试",
                "嘗試次數過多，請稍後再試",
                "Too many tries; wait and try again",
            ),
            Committee => ("居委会", "里辦公處", "Committee"),
            Admin => ("管理员", "管理員", "Admin"),
            Residents => ("找厕所", "找廁所", "Find"),
            OurToilets => ("我们管理的公厕", "我們管理的公廁", "Our toilets"),
            AddToilet => ("新增公厕", "新增公廁", "Add a toilet"),
            TapTheMap => (
                "在地图上点选公厕位置",
                "在地圖上點選公廁位置",
                "Tap the map where the toilet is",
            ),
            ConfirmPin => ("确认位置", "確認位置", "Confirm this place"),
            MovePin => ("重新选择", "重新選擇", "Choose again"),
            Cancel => ("取消", "取消", "Cancel"),
            Save => ("保存", "儲存", "Save"),
            Name => ("名称", "名稱", "Name"),
            Edit => ("编辑", "編輯", "Edit"),
            CloseTemporarily => ("暂停开放", "暫停開放", "Close for a while"),
            Reopen => ("恢复开放", "恢復開放", "Reopen"),
            Reason => ("原因", "原因", "Reason"),
            ClosingReason => (
                "原因（居民会看到）",
                "原因（居民會看到）",
                "Reason (residents will read it)",
            ),
            ClosingReasonExample => ("例如：管道维修", "例如：管道維修", "e.g. pipe repairs"),
            ReopensOn => (
                "预计恢复日期（可不填）",
                "預計恢復日期（可不填）",
                "Reopens on (if known)",
            ),
            ConfirmClose => ("确认暂停开放", "確認暫停開放", "Confirm closing"),
            UseMyLocation => ("使用我的位置", "使用我的位置", "Use my location"),
            Saved => ("已保存", "已儲存", "Saved"),
            StaleEdit => (
                "此公厕已被他人修改，请刷新后再改",
                "此公廁已被他人修改，請重新整理後再改",
                "Someone changed this toilet meanwhile; reload and edit again",
            ),
            Removed => ("已撤销", "已撤銷", "Removed"),
            ImportList => ("导入公厕清单", "匯入公廁清單", "Import a list"),
            Source => ("数据来源名称", "資料來源名稱", "Source name"),
            File => ("文件", "檔案", "File"),
            CoordinateSystem => ("坐标系", "座標系", "Coordinates"),
            CheckFile => ("检查文件", "檢查檔案", "Check the file"),
            ConfirmImport => ("确认导入", "確認匯入", "Import it"),
            Row => ("行", "行", "Row"),
            Column => ("列", "列", "Column"),
            Value => ("值", "值", "Value"),
            Problem => ("问题", "問題", "Problem"),
            Imported => ("已导入：", "已匯入：", "Imported: "),
            NothingWritten => ("未写入任何数据", "未寫入任何資料", "Nothing was written"),
            FixSwapped => (
                "自动纠正经纬度颠倒",
                "自動修正經緯度顛倒",
                "Fix swapped latitude/longitude",
            ),
            SkipInvalid => (
                "跳过有问题的行，导入其余",
                "跳過有問題的行，匯入其餘",
                "Skip bad rows, import the rest",
            ),
            WillWrite => ("确认后将：", "確認後將：", "Importing will: "),
            WillSkip => (
                "跳过有问题的行",
                "跳過有問題的行",
                "skip rows with problems:",
            ),
            WouldWriteNothing => (
                "有的行有问题，而没有选择跳过：确认导入不会写入任何数据。请修正文件，或勾选“跳过有问题的行”后重新检查。",
                "有的行有問題，而沒有選擇跳過：確認匯入不會寫入任何資料。請修正檔案，或勾選「跳過有問題的行」後重新檢查。",
                "Some rows have problems and are not to be skipped: importing would write nothing. Fix the file, or tick “Skip bad rows” and check again.",
            ),
            Inserted => ("新增", "新增", "add"),
            Updated => ("更新", "更新", "update"),
            Unchanged => ("不变", "不變", "leave unchanged"),
            RemovedCount => ("移除", "移除", "remove"),
            RowsRead => ("读取行数", "讀取行數", "Rows read"),
            RowsRejected => ("被拒绝的行", "被拒絕的行", "Rows rejected"),
            Toilets => ("公厕数", "公廁數", "Toilets"),
            ReportProblem => ("报告问题", "報告問題", "Report a problem"),
            NoteOptional => (
                "补充说明（可选）",
                "補充說明（選填）",
                "Anything to add (optional)",
            ),
            NoteNeeded => (
                "请说明是什么问题",
                "請說明是什麼問題",
                "Please say what the problem is",
            ),
            SendReport => ("发送报告", "傳送報告", "Send report"),
            StillCorrect => ("信息仍然正确", "資訊仍然正確", "Still correct"),
            Thanks => ("谢谢，已收到", "謝謝，已收到", "Thank you, received"),
            KindClosed => ("关闭了", "關閉了", "Closed"),
            KindDirty => ("不干净", "不乾淨", "Dirty"),
            KindNoPaper => ("没有厕纸", "沒有衛生紙", "No paper"),
            KindNoWater => ("没有水", "沒有水", "No water"),
            KindBroken => ("设施损坏", "設施損壞", "Something broken"),
            KindWrongLocation => ("位置不对", "位置不對", "Wrong place on the map"),
            KindGone => ("已经没有了", "已經沒有了", "Gone"),
            KindOther => ("其他问题", "其他問題", "Something else"),
            ReportedClosed => (
                "多人报告已关闭",
                "多人報告已關閉",
                "Reported closed by several people",
            ),
            OpenReports => ("待处理的报告", "待處理的報告", "Open reports"),
            FixedOn => ("已修复", "已修復", "Fixed"),
            HideReportedClosed => (
                "隐藏被报告关闭的",
                "隱藏被報告關閉的",
                "Hide reported closed",
            ),
            ReportQueue => ("居民报告", "居民報告", "Residents' reports"),
            Acknowledge => ("已知悉", "已知悉", "Acknowledge"),
            Resolve => ("已处理", "已處理", "Resolve"),
            ResolutionNote => ("处理说明", "處理說明", "What was done"),
            NoReports => ("没有待处理的报告", "沒有待處理的報告", "No open reports"),
            Statistics => ("处理情况统计", "處理情況統計", "Report handling"),
            Organisation => ("单位", "單位", "Organisation"),
            Organisations => ("单位", "單位", "Organisations"),
            Accounts => ("账号", "帳號", "Accounts"),
            AddOrg => ("新增单位", "新增單位", "Add an organisation"),
            AddUser => ("新增账号", "新增帳號", "Add an account"),
            OrgKind => ("类型", "類型", "Kind"),
            District => ("区", "區", "District"),
            Street => ("街道", "街道", "Street"),
            OrgResidents => ("居委会", "里辦公處", "Residents' committee"),
            OrgVillage => ("村委会", "村辦公處", "Village committee"),
            OrgHospital => ("社区医院", "社區醫院", "Community hospital"),
            OrgStreetOffice => ("街道办事处", "街道辦事處", "Street office"),
            OrgOther => ("其他单位", "其他單位", "Other"),
            Role => ("角色", "角色", "Role"),
            RoleAdmin => ("管理员", "管理員", "Admin"),
            RoleCommittee => ("单位成员", "單位成員", "Member"),
            NoOrg => ("无", "無", "None"),
            AccountDisabled => ("已停用", "已停用", "Disabled"),
            Disable => ("停用", "停用", "Disable"),
            ConfirmDisable => ("确认停用", "確認停用", "Confirm: disable"),
            Enable => ("启用", "啟用", "Enable"),
            NewPassword => (
                "新密码（留空则不变）",
                "新密碼（留空則不變）",
                "New password (blank keeps it)",
            ),
            DisableAccount => ("停用此账号", "停用此帳號", "Disable this account"),
            WebhookOk => ("正常", "正常", "delivering"),
            WebhookFailing => ("重试中", "重試中", "retrying"),
            WebhookFailed => ("已失败", "已失敗", "failed"),
            WebhookPending => ("待发送", "待傳送", "waiting"),
            WebhookGivenUp => ("已放弃", "已放棄", "given up"),
            PreviewHeading => (
                "将写入的公厕（前 20 个）",
                "將寫入的公廁（前 20 個）",
                "Toilets to be written (the first 20)",
            ),
            Position => ("经纬度", "經緯度", "Position"),
            Facilities => ("设施", "設施", "Facilities"),
            SetHoursByDay => (
                "按星期设置开放时间",
                "按星期設定開放時間",
                "Set the hours day by day",
            ),
            SameEveryDay => ("每天相同", "每天相同", "Same every day"),
            WeekdaysAndWeekend => ("工作日与周末", "工作日與週末", "Weekdays and weekend"),
            DayByDay => ("逐日设置", "逐日設定", "Day by day"),
            OpenFromTo => ("开放时段", "開放時段", "Open from–to"),
            AllDay => ("全天开放", "全天開放", "Open 24 hours"),
            ClosedAllDay => ("不开放", "不開放", "Closed"),
            From => ("开始", "開始", "from"),
            To => ("结束", "結束", "to"),
            UseTheseHours => ("填入开放时间", "填入開放時間", "Use these hours"),
            OpenCount => ("待处理", "待處理", "Open"),
            Overdue => ("超时", "超時", "Overdue"),
            MedianAck => (
                "响应用时中位数",
                "回應時間中位數",
                "Median time to acknowledge",
            ),
            MedianResolve => ("处理用时中位数", "處理時間中位數", "Median time to resolve"),
            HoursAgo => ("小时前", "小時前", "hours ago"),
            DaysAgo => ("天前", "天前", "days ago"),
            Today => ("今天", "今天", "today"),
            Metres => ("米", "公尺", "m"),
            Kilometres => ("公里", "公里", "km"),
            Rooms => ("厕间", "廁間", "Rooms"),
            Access => ("使用条件", "使用條件", "Who may use it"),
            KnownValues => ("已知（座数）", "已知（座數）", "Known (toilets)"),
        };
        self.pick(zh, tw, en)
    }

    /// "120 m" / "1.2 km", "120米" / "1.2公里".
    pub fn distance(self, metres: f64) -> String {
        let sep = self.unit_gap();
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
            Lang::Hant => format!("步行約{minutes:.0}分鐘"),
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
        let (zh, tw, en) = match fact {
            Fact::Seated => ("坐便", "坐式馬桶", "Seated toilet"),
            Fact::Squat => ("蹲便", "蹲式馬桶", "Squat toilet"),
            Fact::GrabRails => ("扶手", "扶手", "Grab rails"),
            Fact::StepFree => ("无台阶通道", "無階梯通道", "Step-free access"),
            Fact::AdultChanging => ("成人护理台", "成人照護床", "Adult changing bench"),
            Fact::Ambulant => ("助行厕位", "助行廁位", "Ambulant cubicle"),
            Fact::Paper => ("厕纸", "衛生紙", "Toilet paper"),
            Fact::Soap => ("洗手液", "洗手乳", "Soap"),
            Fact::DrinkingWater => ("饮用水", "飲水機", "Drinking water"),
            Fact::Shower => ("淋浴", "淋浴間", "Shower"),
            Fact::Parking => ("停车场", "停車場", "Parking"),
            Fact::AccessibleParking => ("无障碍停车位", "無障礙停車位", "Accessible parking"),
            Fact::SanitaryDisposal => ("卫生用品处理箱", "衛生用品處理箱", "Sanitary disposal"),
            Fact::SharpsDisposal => ("针头处理箱", "針頭處理箱", "Sharps disposal"),
            Fact::Mlak => ("MLAK 钥匙开启", "MLAK 鑰匙開啟", "MLAK key"),
            Fact::DoorWidthCm => ("无障碍门宽", "無障礙門寬", "Accessible door width"),
            Fact::StallsFemale => ("女厕位", "女廁位", "Women's stalls"),
            Fact::StallsMale => ("男厕位", "男廁位", "Men's stalls"),
            Fact::StallsAccessible => ("无障碍厕位", "無障礙廁位", "Accessible stalls"),
            Fact::Urinals => ("小便器", "小便斗", "Urinals"),
            Fact::Grade => ("等级", "等級", "Grade"),
            Fact::Phone => ("管理电话", "管理電話", "Manager's phone"),
            Fact::FeeNote => ("收费标准", "收費標準", "Fee"),
            Fact::NameEn => ("英文名称", "英文名稱", "Name in English"),
            Fact::AddressEn => ("英文地址", "英文地址", "Address in English"),
            Fact::PlaceKind => ("场所类别", "場所類別", "Kind of place"),
            Fact::Authority => ("主管机关", "主管機關", "Responsible authority"),
        };
        self.pick(zh, tw, en)
    }

    /// A room of a venue, as its sign says.
    pub fn room(self, kind: RoomKind) -> &'static str {
        match kind {
            RoomKind::Male => self.pick("男厕", "男廁", "Men's"),
            RoomKind::Female => self.pick("女厕", "女廁", "Women's"),
            RoomKind::Accessible => self.pick("无障碍厕所", "無障礙廁所", "Accessible"),
            RoomKind::Family => self.pick("亲子卫生间", "親子廁所", "Family room"),
            RoomKind::Unisex => self.pick("不分性别厕所", "性別友善廁所", "All-gender"),
            RoomKind::Other => self.pick("其他厕间", "其他廁間", "Other room"),
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
        match minutes.max(0) {
            0 => self.pick("刚刚", "剛剛", "just now").to_owned(),
            m if m < 60 => self.pick(
                format!("{m}分钟前"),
                format!("{m}分鐘前"),
                format!("{m} min ago"),
            ),
            m if m < 24 * 60 => match (self, m / 60) {
                (Lang::Zh | Lang::Hant, h) => format!("{h}{}", self.t(Text::HoursAgo)),
                (Lang::En, 1) => "1 hour ago".to_owned(),
                (Lang::En, h) => format!("{h} {}", self.t(Text::HoursAgo)),
            },
            m => self.days_ago(m / (24 * 60)),
        }
    }

    /// A duration in seconds, short: "45 s", "12 min", "3.5 h".
    pub fn duration(self, seconds: f64) -> String {
        let (value, unit) = if seconds < 90.0 {
            (format!("{seconds:.0}"), self.pick("秒", "秒", " s"))
        } else if seconds < 5400.0 {
            (
                format!("{:.0}", seconds / 60.0),
                self.pick("分钟", "分鐘", " min"),
            )
        } else {
            (
                format!("{:.1}", seconds / 3600.0),
                self.pick("小时", "小時", " h"),
            )
        };
        format!("{value}{unit}")
    }

    /// Opening hours in words: "Mo-Fr 07:00-21:00; Sa,Su 08:00-20:00" reads
    /// 周一至周五 07:00–21:00；周六、周日 08:00–20:00. Anything beyond days,
    /// times, holidays and "off" is shown as written.
    pub fn hours(self, osm: &str) -> String {
        let zh = self.is_chinese();
        if osm.trim() == "24/7" {
            return self.t(Text::AllDay).to_owned();
        }
        const DAYS: [(&str, &str, &str, &str); 8] = [
            ("Mo", "周一", "週一", "Mon"),
            ("Tu", "周二", "週二", "Tue"),
            ("We", "周三", "週三", "Wed"),
            ("Th", "周四", "週四", "Thu"),
            ("Fr", "周五", "週五", "Fri"),
            ("Sa", "周六", "週六", "Sat"),
            ("Su", "周日", "週日", "Sun"),
            ("PH", "节假日", "國定假日", "holidays"),
        ];
        let mut rules = Vec::new();
        for rule in osm.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let (days, times) = match rule.split_once(' ') {
                Some((d, t)) if d.chars().next().is_some_and(char::is_alphabetic) => (d, t.trim()),
                _ if rule.starts_with(char::is_alphabetic) => (rule, ""),
                _ => ("Mo-Su", rule),
            };
            let days = if days == "Mo-Su" {
                self.pick("每天", "每天", "Every day").to_owned()
            } else {
                let mut out = String::new();
                for token in days.split_inclusive([',', '-']) {
                    let (day, sep) = token.split_at(token.trim_end_matches([',', '-']).len());
                    let Some(&(_, z, tw, e)) = DAYS.iter().find(|d| d.0 == day) else {
                        return osm.to_owned();
                    };
                    out.push_str(self.pick(z, tw, e));
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
                "off" | "closed" => self.pick("休息", "休息", "closed").to_owned(),
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
            Lang::Hant => format!("{hm}開放"),
            Lang::En => format!("opens {hm}"),
        }
    }

    /// "today" / "3 days ago", for how fresh the information is.
    pub fn days_ago(self, days: i64) -> String {
        match (self, days) {
            (_, d) if d <= 0 => self.t(Text::Today).to_owned(),
            (Lang::Zh | Lang::Hant, d) => format!("{d}{}", self.t(Text::DaysAgo)),
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
            Lang::Hant.hours("Mo-Fr 07:00-21:00; PH off"),
            "週一至週五 07:00–21:00；國定假日 休息"
        );
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
        assert_eq!(Lang::from_tag("zh"), Lang::Zh);
        assert_eq!(Lang::from_tag("zh-SG"), Lang::Zh);
        for traditional in ["zh-TW", "zh-HK", "zh-MO", "zh-Hant", "zh-Hant-TW", "zh_tw"] {
            assert_eq!(Lang::from_tag(traditional), Lang::Hant, "{traditional}");
        }
        // An explicit script wins over the region.
        assert_eq!(Lang::from_tag("zh-Hans-HK"), Lang::Zh);
        assert_eq!(Lang::from_tag("zhx"), Lang::En);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("fr"), Lang::En);
    }

    #[test]
    fn distances_directions_and_ages_read_naturally() {
        assert_eq!(Lang::En.distance(87.4), "87 m");
        assert_eq!(Lang::Zh.distance(1234.0), "1.2公里");
        assert_eq!(Lang::Zh.walk(50.0), "步行约1分钟");
        assert_eq!(Lang::Hant.walk(50.0), "步行約1分鐘");
        assert_eq!(Lang::Hant.distance(87.4), "87公尺");
        assert_eq!(Lang::Hant.ago(5), "5分鐘前");
        assert_eq!(Lang::Hant.duration(7200.0), "2.0小時");
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
        // Spot-check that each language differs where words exist in all.
        for text in [Text::Nearest, Text::OpenNow, Text::Navigate, Text::SignIn] {
            assert_ne!(Lang::Zh.t(text), Lang::En.t(text));
            assert_ne!(Lang::Zh.t(text), Lang::Hant.t(text));
            assert!(Lang::ALL.iter().all(|l| !l.t(text).is_empty()));
        }
        // Taiwan's words, not the mainland's in other characters.
        assert_eq!(Lang::Hant.t(Text::SignIn), "登入");
        assert_eq!(Lang::Hant.t(Text::FilterWheelchair), "無障礙");
        assert_eq!(Lang::Hant.t(Text::Centimetres), "公分");
        assert_eq!(Lang::Hant.fact(Fact::Paper), "衛生紙");
    }
}
