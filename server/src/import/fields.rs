//! Which column fills which field: header aliases in Chinese and English,
//! and `--map COLUMN=FIELD` for anything else.

use std::str::FromStr;

use gongce_shared::Fact;

/// A field of our toilet record that a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ExternalId,
    Name,
    Address,
    Lat,
    Lon,
    Wheelchair,
    BabyChange,
    FamilyRoom,
    Free,
    Access,
    OpeningHours,
    HoursNote,
    Operator,
    Timezone,
    /// What kind of room a row describes (女廁 / 無障礙 / 親子 / 性別友善 …),
    /// for lists with one row per room.
    Room,
    /// The coordinate system a previous export said the source used.
    SourceCrs,
    /// When the list says the toilet was last checked.
    LastVerified,
    /// A detailed fact (seated, stalls, grade, phone …).
    Detail(Fact),
}

impl Field {
    /// Every field: the basic ones, then the detailed facts.
    pub fn all() -> impl Iterator<Item = Field> {
        Self::BASIC
            .into_iter()
            .chain(Fact::ALL.iter().map(|&f| Field::Detail(f)))
    }

    const BASIC: [Field; 17] = [
        Field::ExternalId,
        Field::Name,
        Field::Address,
        Field::Lat,
        Field::Lon,
        Field::Wheelchair,
        Field::BabyChange,
        Field::FamilyRoom,
        Field::Free,
        Field::Access,
        Field::OpeningHours,
        Field::HoursNote,
        Field::Operator,
        Field::Timezone,
        Field::Room,
        Field::SourceCrs,
        Field::LastVerified,
    ];

    /// Header names accepted for this field, compared case-insensitively
    /// with spaces, dashes and dots read as underscores. The first is the
    /// field's own name, used in exports and reports.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::ExternalId => &[
                "external_id",
                "id",
                "toilet_id",
                "编号",
                "編號",
                "公厕编号",
                "公廁編號",
                "序号",
            ],
            Field::Name => &[
                "name",
                "名称",
                "名稱",
                "name_zh",
                "公厕名称",
                "公廁名稱",
                "toilet_name",
            ],
            Field::Address => &[
                "address",
                "地址",
                "address_zh",
                "addr",
                "详细地址",
                "詳細地址",
                "位置",
            ],
            Field::Lat => &["lat", "latitude", "纬度", "緯度", "y"],
            Field::Lon => &["lon", "lng", "long", "longitude", "经度", "經度", "x"],
            Field::Wheelchair => &[
                "wheelchair",
                "accessible",
                "无障碍",
                "無障礙",
                "无障碍设施",
                "無障礙設施",
                "无障碍卫生间",
            ],
            Field::BabyChange => &[
                "baby_change",
                "changing_table",
                "母婴室",
                "母嬰室",
                "has_diaper",
                "尿布台",
                "婴儿护理台",
            ],
            Field::FamilyRoom => &[
                "family_room",
                "第三卫生间",
                "第三衛生間",
                "家庭卫生间",
                "家庭衛生間",
            ],
            Field::Free => &["free", "免费", "免費", "是否免费", "是否免費"],
            Field::Access => &["access"],
            Field::OpeningHours => &[
                "opening_hours",
                "hours",
                "开放时间",
                "開放時間",
                "营业时间",
                "營業時間",
            ],
            Field::HoursNote => &[
                "hours_note",
                "备注",
                "備註",
                "开放时间说明",
                "開放時間說明",
                "开放说明",
                "開放說明",
            ],
            Field::Operator => &[
                "operator",
                "manager",
                "管理单位",
                "管理單位",
                "管理机构",
                "管理機構",
            ],
            Field::Timezone => &["timezone", "time_zone", "tz", "时区", "時區"],
            Field::Room => &[
                "room",
                "room_type",
                "type_zh",
                "厕所类型",
                "廁所類型",
                "类型",
                "類型",
            ],
            Field::SourceCrs => &["source_crs"],
            Field::LastVerified => &[
                "last_verified",
                "last_updated",
                "check_date",
                "verified",
                "核查日期",
                "更新日期",
                "最后核查",
                "最後核查",
            ],
            Field::Detail(fact) => detail_aliases(fact),
        }
    }

    pub fn name(self) -> &'static str {
        self.aliases()[0]
    }

    /// The field a header names, by any of its aliases.
    pub fn from_header(header: &str) -> Option<Field> {
        let wanted = normalise_header(header);
        let squashed = wanted.replace('_', "");
        Field::all().find(|f| {
            f.aliases()
                .iter()
                .any(|a| *a == wanted || a.replace('_', "") == squashed)
        })
    }
}

/// Header names for a detailed fact; the first is its key.
fn detail_aliases(fact: Fact) -> &'static [&'static str] {
    match fact {
        Fact::Seated => &[
            "seated",
            "坐便",
            "坐厕",
            "坐廁",
            "坐式",
            "坐式马桶",
            "坐式馬桶",
        ],
        Fact::Squat => &["squat", "蹲位", "蹲厕", "蹲廁", "蹲便", "蹲式"],
        Fact::GrabRails => &["grab_rails", "扶手", "grab_bars"],
        Fact::StepFree => &["step_free", "无台阶", "無台階", "无障碍通道", "無障礙通道"],
        Fact::AdultChanging => &[
            "adult_changing",
            "成人护理台",
            "成人護理台",
            "changing_places",
        ],
        Fact::Ambulant => &["ambulant", "ambulant_cubicle"],
        Fact::Paper => &["paper", "厕纸", "廁紙", "手纸", "手紙", "卫生纸", "衛生紙"],
        Fact::Soap => &["soap", "洗手液", "肥皂", "洗手乳"],
        Fact::DrinkingWater => &["drinking_water", "饮用水", "飲用水", "饮水机", "飲水機"],
        Fact::Shower => &["shower", "showers", "淋浴", "淋浴间", "淋浴間"],
        Fact::Parking => &["parking", "停车场", "停車場", "停车", "停車"],
        Fact::AccessibleParking => &[
            "accessible_parking",
            "parking_accessible",
            "无障碍停车位",
            "無障礙停車位",
        ],
        Fact::SanitaryDisposal => &["sanitary_disposal", "卫生用品处理箱", "衛生用品處理箱"],
        Fact::SharpsDisposal => &["sharps_disposal", "针头处理箱", "針頭處理箱"],
        Fact::Mlak => &["mlak"],
        Fact::DoorWidthCm => &["door_width_cm", "门宽", "門寬", "door_width"],
        Fact::StallsFemale => &["stalls_female", "女厕位", "女廁位", "女厕位数", "女廁位數"],
        Fact::StallsMale => &["stalls_male", "男厕位", "男廁位", "男厕位数", "男廁位數"],
        Fact::StallsAccessible => &[
            "stalls_accessible",
            "无障碍厕位",
            "無障礙廁位",
            "无障碍厕位数",
        ],
        Fact::Urinals => &["urinals", "小便器", "小便斗", "小便池"],
        Fact::Grade => &["grade", "grade_zh", "等级", "等級", "公厕等级", "公廁等級"],
        Fact::Phone => &[
            "phone",
            "电话",
            "電話",
            "联系电话",
            "聯絡電話",
            "管理电话",
            "管理電話",
            "telephone",
        ],
        Fact::FeeNote => &["fee_note", "收费标准", "收費標準"],
        Fact::NameEn => &["name_en", "英文名称", "英文名稱", "english_name"],
        Fact::AddressEn => &["address_en", "英文地址", "english_address"],
        Fact::PlaceKind => &["place_kind", "category_zh", "场所类别", "場所類別"],
        Fact::Authority => &["authority", "administration", "主管机关", "主管機關"],
    }
}

pub fn normalise_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace([' ', '-', '.'], "_")
}

/// `--map COLUMN=FIELD`: the column's header (as in the file) and the field
/// it fills, or `-` to ignore the column. `COLUMN=FIELD:true-means-yes`
/// reads a yes/no column whose "no" means "not recorded" (lists that
/// write False for what nobody checked): its no is left unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub column: String,
    pub field: Option<Field>,
    pub true_means_yes: bool,
}

impl Field {
    /// Whether the field is yes / no / unknown.
    pub fn is_tri_state(self) -> bool {
        match self {
            Field::Wheelchair | Field::BabyChange | Field::FamilyRoom | Field::Free => true,
            Field::Detail(fact) => fact.kind() == gongce_shared::details::Kind::Tri,
            _ => false,
        }
    }
}

impl FromStr for ColumnMap {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (column, field) = s
            .rsplit_once('=')
            .ok_or_else(|| format!("invalid --map {s:?}: expected COLUMN=FIELD"))?;
        let column = column.trim();
        if column.is_empty() {
            return Err(format!("invalid --map {s:?}: the column name is empty"));
        }
        let (field, true_means_yes) = match field.trim().split_once(':') {
            None => (field, false),
            Some((field, "true-means-yes")) => (field, true),
            Some((_, other)) => {
                return Err(format!(
                    "invalid --map {s:?}: unknown reading {other:?}; the one reading is true-means-yes"
                ));
            }
        };
        let field = match field.trim() {
            "-" => None,
            name => Some(Field::from_header(name).ok_or_else(|| {
                let names: Vec<&str> = Field::all().map(Field::name).collect();
                format!(
                    "invalid --map {s:?}: unknown field {name:?}; fields are {}, or - to ignore the column",
                    names.join(", ")
                )
            })?),
        };
        if true_means_yes && !field.is_some_and(Field::is_tri_state) {
            return Err(format!(
                "invalid --map {s:?}: true-means-yes reads a yes/no field (wheelchair, free, seated …)"
            ));
        }
        Ok(ColumnMap {
            column: column.to_owned(),
            field,
            true_means_yes,
        })
    }
}

/// Which column fills which field, worked out from the headers.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// For each column, the field it fills.
    pub fields: Vec<Option<Field>>,
    /// Headers that fill no field.
    pub ignored: Vec<String>,
    /// For each column, whether its map said `:true-means-yes`.
    yes_only: Vec<bool>,
}

impl Mapping {
    /// Maps `headers`; explicit `maps` win over aliases, and the first
    /// column naming a field wins over later ones. The columns in `read`
    /// (a known list's, read into columns of its own) fill no field
    /// unless a map names them.
    pub fn new(headers: &[String], maps: &[ColumnMap], read: &[usize]) -> Result<Mapping, String> {
        for map in maps {
            if !headers
                .iter()
                .any(|h| normalise_header(h) == normalise_header(&map.column))
            {
                return Err(format!(
                    "--map names column {:?}, which the file does not have; its columns are {}",
                    map.column,
                    headers.join(", ")
                ));
            }
        }
        let mut mapping = Mapping::default();
        for (i, header) in headers.iter().enumerate() {
            mapping.add(header, maps, read.contains(&i));
        }
        Ok(mapping)
    }

    /// Adds a column found later (GeoJSON properties appear as they come).
    pub fn push(&mut self, header: &str, maps: &[ColumnMap]) {
        self.add(header, maps, false);
    }

    fn add(&mut self, header: &str, maps: &[ColumnMap], read: bool) {
        let explicit = maps
            .iter()
            .find(|m| normalise_header(&m.column) == normalise_header(header));
        let field = match explicit {
            Some(map) => map.field,
            None if read => None,
            None => Field::from_header(header).filter(|f| {
                // A field already filled by an explicit map is not filled again.
                !maps.iter().any(|m| m.field == Some(*f))
            }),
        };
        let field = field.filter(|f| !self.fields.contains(&Some(*f)));
        if field.is_none() {
            self.ignored
                .push(header.trim_start_matches('\u{feff}').trim().to_owned());
        }
        self.fields.push(field);
        self.yes_only
            .push(explicit.is_some_and(|m| m.true_means_yes && field.is_some()));
    }

    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// Whether the column filling `field` was mapped `:true-means-yes`.
    pub fn true_means_yes(&self, field: Field) -> bool {
        self.column_of(field).is_some_and(|at| self.yes_only[at])
    }
}
