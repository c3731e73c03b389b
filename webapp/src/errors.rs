//! The server's errors in the reader's language, from their stable codes
//! (the table in `docs/API.md`) and the field, value and limit they carry.
//! The English `message` the server sends is for API users and logs; it is
//! never shown here.

use gongce_shared::api::ErrorDetail;

use crate::i18n::{Lang, Text};

impl Lang {
    /// What went wrong, said to the person who tried.
    pub fn error(self, e: &ErrorDetail) -> String {
        // Every language's sentence is built and one kept, which costs
        // nothing here.
        let say = |zh: String, tw: String, en: String| self.pick(zh, tw, en);
        let fixed = |zh: &str, tw: &str, en: &str| self.pick(zh, tw, en).to_owned();
        let field = e.field.as_deref().map(|f| self.field(f));
        let field_or =
            |zh: &str, tw: &str, en: &str| field.clone().unwrap_or_else(|| fixed(zh, tw, en));
        let value = e.value.as_deref().unwrap_or_default();
        let limit = e.limit.map(|l| l.to_string()).unwrap_or_default();
        let said = match e.code.as_str() {
            "network" => return self.t(Text::FetchFailed).to_owned(),
            "too_long" => {
                let f = field_or("内容", "內容", "the text");
                say(
                    format!("{f}太长：最多{limit}个字"),
                    format!("{f}太長：最多{limit}個字"),
                    format!("{f} is too long: at most {limit} characters"),
                )
            }
            "too_short" => {
                let f = field_or("内容", "內容", "the text");
                say(
                    format!("{f}太短：至少{limit}个字符"),
                    format!("{f}太短：至少{limit}個字元"),
                    format!("{f} is too short: at least {limit} characters"),
                )
            }
            "blank" | "missing_field" | "missing_parameter" => {
                let f = field_or("必填项", "必填項", "a required field");
                say(
                    format!("请填写{f}"),
                    format!("請填寫{f}"),
                    format!("{f} is required"),
                )
            }
            "out_of_range" => {
                let f = field_or("数值", "數值", "a number");
                say(
                    format!("{f}超出范围：{value}"),
                    format!("{f}超出範圍：{value}"),
                    format!("{f} is out of range: {value}"),
                )
            }
            "invalid_time_zone" => say(
                format!("无法识别时区“{value}”"),
                format!("無法識別時區「{value}」"),
                format!("\"{value}\" is not a time zone"),
            ),
            "invalid_opening_hours" | "opening_hours_partly_read" => {
                let (what_zh, what_tw, what_en) = if e.code == "invalid_opening_hours" {
                    ("无法识别", "無法識別", "Could not read")
                } else {
                    (
                        "有一部分无法识别：",
                        "有一部分無法識別：",
                        "Could not read all of",
                    )
                };
                say(
                    format!(
                        "开放时间{what_zh}“{value}”。请写成“每天 6:00-22:00”或“周一至周五 8:00-18:00，周六日 9:00-17:00”，其他情况写在说明里"
                    ),
                    format!(
                        "開放時間{what_tw}「{value}」。請寫成「每天 6:00-22:00」或「週一至週五 8:00-18:00，週六日 9:00-17:00」，其他情況寫在說明裡"
                    ),
                    format!(
                        "{what_en} the opening hours \"{value}\". Write them as \"Mo-Fr 08:00-18:00\" or \"每天 6:00-22:00\"; anything else goes in the note"
                    ),
                )
            }
            "unauthenticated" => fixed(
                "登录已失效，请重新登录",
                "登入已失效，請重新登入",
                "You are signed out; sign in again",
            ),
            "wrong_credentials" => self.t(Text::WrongPassword).to_owned(),
            "forbidden" => fixed(
                "您没有权限进行此操作",
                "您沒有權限進行此操作",
                "You may not do this",
            ),
            "csrf" => fixed(
                "页面已过期，请刷新后重试",
                "頁面已過期，請重新整理後重試",
                "This page is out of date; reload it and try again",
            ),
            "own_account" => fixed(
                "不能修改自己的账号，请让另一位管理员操作",
                "不能修改自己的帳號，請讓另一位管理員操作",
                "You cannot change your own account; ask another admin",
            ),
            "not_found" => fixed(
                "未找到，可能已被删除，请刷新",
                "未找到，可能已被刪除，請重新整理",
                "Not found: it may have been removed; reload",
            ),
            "version_required" => self.t(Text::StaleEdit).to_owned(),
            "conflict" => match e.field.as_deref() {
                Some("version") => self.t(Text::StaleEdit).to_owned(),
                Some(_) => {
                    let f = field_or("", "", "");
                    say(
                        format!("{f}“{value}”已被使用"),
                        format!("{f}「{value}」已被使用"),
                        format!("{f} \"{value}\" is taken"),
                    )
                }
                None => fixed(
                    "与当前数据冲突，请刷新后重试",
                    "與目前資料衝突，請重新整理後重試",
                    "This conflicts with what is stored now; reload and try again",
                ),
            },
            "too_many_requests" => match e.limit {
                Some(seconds) => say(
                    format!("操作太频繁，请{seconds}秒后再试"),
                    format!("操作太頻繁，請{seconds}秒後再試"),
                    format!("Too many tries; try again in {seconds} s"),
                ),
                None => self.t(Text::TooManyTries).to_owned(),
            },
            "busy" | "timeout" => fixed(
                "服务器繁忙，请稍后再试",
                "伺服器繁忙，請稍後再試",
                "The server is busy; try again shortly",
            ),
            "payload_too_large" => fixed("文件太大", "檔案太大", "The file is too large"),
            "invalid_file" => fixed(
                "无法读取此文件：请上传 CSV、Excel 或 GeoJSON 文件",
                "無法讀取此檔案：請上傳 CSV、Excel 或 GeoJSON 檔案",
                "Could not read this file: upload a CSV, Excel or GeoJSON file",
            ),
            "internal" => fixed(
                "服务器出错，请稍后再试",
                "伺服器出錯，請稍後再試",
                "Something went wrong on the server; try again later",
            ),
            // invalid_field, invalid_parameter, unknown_*, invalid_json,
            // invalid_header, … and codes added after this app was built.
            code => match field {
                Some(f) => say(
                    format!("{f}的值“{value}”无效"),
                    format!("{f}的值「{value}」無效"),
                    format!("{f}: \"{value}\" is not valid"),
                ),
                None => say(
                    format!("请求被拒绝（{code}）"),
                    format!("請求被拒絕（{code}）"),
                    format!("The request was refused ({code})"),
                ),
            },
        };
        capitalised(said)
    }

    /// A problem of an imported list's row, from its code: the row's column
    /// and value are shown beside it, so they are not repeated.
    pub fn import_problem(self, issue: &crate::model::ImportIssue) -> String {
        let n = issue.limit.unwrap_or_default();
        let (zh, tw, en) = match issue.code.as_str() {
            "unreadable_row" => (
                "无法读取这一行".into(),
                "無法讀取這一行".into(),
                "This row cannot be read".into(),
            ),
            "not_a_number" => ("不是数字".into(), "不是數字".into(), "Not a number".into()),
            "coordinates_swapped" => (
                "经纬度颠倒，已纠正".into(),
                "經緯度顛倒，已修正".into(),
                "Latitude and longitude were swapped; corrected".into(),
            ),
            "coordinates_look_swapped" => (
                "经纬度似乎颠倒：勾选“自动纠正经纬度颠倒”可纠正".into(),
                "經緯度似乎顛倒：勾選「自動修正經緯度顛倒」可修正".into(),
                "Latitude and longitude look swapped: tick “fix swapped coordinates”".into(),
            ),
            "columns_shifted" => (
                "坐标在另一列重复出现：这一行的列似乎错位".into(),
                "座標在另一列重複出現：這一行的列似乎錯位".into(),
                "A coordinate appears again in this column: the row's columns look shifted".into(),
            ),
            "far_outside" => (
                format!("远离清单中其他公厕所在区域（{n} 公里外）"),
                format!("遠離清單中其他公廁所在區域（{n} 公里外）"),
                format!("Far from the list's other toilets ({n} km outside their region)"),
            ),
            "duplicate_id" => (
                format!("编号重复：第 {n} 行已使用"),
                format!("編號重複：第 {n} 行已使用"),
                format!("Duplicate id: row {n} has it already"),
            ),
            "hours_kept_as_note" => (
                "开放时间无法识别：已保存为说明，“现在开放”未知".into(),
                "開放時間無法識別：已儲存為說明，「現在開放」未知".into(),
                "Opening hours not understood: kept as the note, open now unknown".into(),
            ),
            "possible_duplicate" => (
                format!("可能与已有公厕重复（相距 {n} 米），将作为新公厕导入"),
                format!("可能與已有公廁重複（相距 {n} 公尺），將作為新公廁匯入"),
                format!("Possibly a toilet already listed ({n} m away); imported as a new one"),
            ),
            // The codes the API uses too (too_long, blank, out_of_range, …).
            _ => {
                return self.error(&ErrorDetail {
                    code: issue.code.clone(),
                    message: String::new(),
                    field: Some(issue.column.clone()),
                    value: Some(issue.value.clone()),
                    limit: issue.limit,
                });
            }
        };
        self.pick(zh, tw, en)
    }

    /// A field's name as the forms call it; one the app does not know, as sent.
    fn field(self, field: &str) -> String {
        use Text::*;
        let text = match field {
            "name" => Name,
            "address" => Address,
            "opening_hours" => OpeningHours,
            "hours_note" => HoursNote,
            "operator" => Operator,
            "status.reason" => Reason,
            "note" => ResolutionNote,
            "username" => Username,
            "password" => Password,
            "source" => Source,
            "crs" => CoordinateSystem,
            "org_id" => Organisation,
            "wheelchair" => Wheelchair,
            "baby_change" => BabyChange,
            "family_room" => FamilyRoom,
            "free" => Free,
            "street" => Street,
            "district" => District,
            "kind" => OrgKind,
            "role" => Role,
            other => {
                let (zh, tw, en) = match other {
                    "lat" => ("纬度", "緯度", "latitude"),
                    "lon" => ("经度", "經度", "longitude"),
                    "timezone" => ("时区", "時區", "time zone"),
                    "status.until" => ("恢复开放日期", "恢復開放日期", "reopening date"),
                    "contact" => ("联系方式", "聯絡方式", "contact"),
                    _ => {
                        return gongce_shared::Fact::from_key(other)
                            .map_or(other, |f| self.fact(f))
                            .to_owned();
                    }
                };
                return self.pick(zh, tw, en).to_owned();
            }
        };
        self.t(text).to_owned()
    }
}

/// English sentences start with a capital; field names come lowercase.
fn capitalised(mut said: String) -> String {
    if let Some(first) = said.chars().next().filter(char::is_ascii_lowercase) {
        said.replace_range(..1, &first.to_ascii_uppercase().to_string());
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(
        code: &str,
        field: Option<&str>,
        value: Option<&str>,
        limit: Option<i64>,
    ) -> ErrorDetail {
        ErrorDetail {
            code: code.to_owned(),
            message: "English for logs".to_owned(),
            field: field.map(str::to_owned),
            value: value.map(str::to_owned),
            limit,
        }
    }

    #[test]
    fn codes_are_said_in_the_readers_language_with_field_and_limit() {
        let long = error("too_long", Some("name"), Some("人民公园…"), Some(200));
        assert_eq!(Lang::Zh.error(&long), "名称太长：最多200个字");
        assert_eq!(
            Lang::En.error(&long),
            "Name is too long: at most 200 characters"
        );
        let hours = error(
            "invalid_opening_hours",
            Some("opening_hours"),
            Some("看情况"),
            None,
        );
        assert!(
            Lang::Zh
                .error(&hours)
                .starts_with("开放时间无法识别“看情况”")
        );
        let stale = error("conflict", Some("version"), Some("3"), None);
        assert_eq!(Lang::Zh.error(&stale), Lang::Zh.t(Text::StaleEdit));
        let taken = error("conflict", Some("username"), Some("carol"), None);
        assert_eq!(Lang::Zh.error(&taken), "用户名“carol”已被使用");
        assert_eq!(Lang::En.error(&taken), "Username \"carol\" is taken");
        assert_eq!(Lang::Hant.error(&taken), "使用者名稱「carol」已被使用");
        let wait = error("too_many_requests", None, None, Some(30));
        assert_eq!(Lang::Zh.error(&wait), "操作太频繁，请30秒后再试");
        assert_eq!(Lang::Hant.error(&wait), "操作太頻繁，請30秒後再試");
        let blank = error("blank", Some("status.reason"), Some(""), None);
        assert_eq!(Lang::Zh.error(&blank), "请填写原因");
        let odd = error("invalid_field", Some("colour"), Some("blue"), None);
        assert_eq!(Lang::En.error(&odd), "Colour: \"blue\" is not valid");
        let new = error("brand_new_code", None, None, None);
        assert_eq!(
            Lang::En.error(&new),
            "The request was refused (brand_new_code)"
        );
    }

    #[test]
    fn import_problems_are_said_from_their_codes() {
        let issue = |code: &str, column: &str, value: &str, limit| crate::model::ImportIssue {
            row: 2,
            external_id: None,
            column: column.to_owned(),
            value: value.to_owned(),
            code: code.to_owned(),
            limit,
            severity: crate::model::Severity::Rejected,
        };
        let said = |lang: Lang, i| lang.import_problem(&i);
        assert_eq!(
            said(Lang::Zh, issue("too_long", "地址", "…", Some(300))),
            "地址太长：最多300个字"
        );
        assert_eq!(
            said(Lang::En, issue("duplicate_id", "id", "A1", Some(4))),
            "Duplicate id: row 4 has it already"
        );
        assert_eq!(
            said(Lang::Zh, issue("out_of_range", "lat", "95", Some(90))),
            "纬度超出范围：95"
        );
        assert_eq!(
            said(Lang::Zh, issue("blank", "name", "", None)),
            "请填写名称"
        );
        assert_eq!(
            said(Lang::Zh, issue("far_outside", "lat", "1, 2", Some(812))),
            "远离清单中其他公厕所在区域（812 公里外）"
        );
    }

    /// Every code in the API's table is said without the server's English,
    /// and each one a person can act on has words of its own.
    #[test]
    fn no_code_of_the_table_shows_the_servers_english() {
        let table = include_str!("../../docs/API.md");
        let codes: Vec<&str> = table
            .lines()
            .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
            .collect();
        assert!(codes.len() > 30, "{codes:?}");
        // Mistakes of the app's own, not of the person: said in general.
        let general = [
            "invalid_parameter",
            "unknown_parameter",
            "duplicate_parameter",
            "invalid_json",
            "invalid_body",
            "unknown_field",
            "invalid_field",
            "invalid_header",
            "method_not_allowed",
            "unsupported_media_type",
        ];
        for code in codes {
            for lang in Lang::ALL {
                let said = lang.error(&error(code, Some("name"), Some("x"), Some(5)));
                assert!(!said.contains("English"), "{code}: {said}");
                let default = lang.error(&error("unheard_of", Some("name"), Some("x"), Some(5)));
                assert_eq!(said == default, general.contains(&code), "{code}: {said}");
            }
        }
    }
}
