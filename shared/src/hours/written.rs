//! Opening hours as people write them — "每天 6:00-22:00", "周一至周五
//! 8:00-18:00，周六日 9:00-17:00", "工作日 8点-17点半", "节假日除外",
//! "Mon-Fri 9am-5pm" — read into OpenStreetMap syntax.
//!
//! The text is normalised (full-width forms, dashes and the range words 至 /
//! 到 / to become one dash; 、 and 和 list), cut into tokens by the longest
//! word that matches, and then into segments at commas and semicolons. A
//! segment names days (weekdays, ranges, 工作日, 周末, 节假日 …) and times,
//! or days that are closed (休息, 闭馆, 除外 …). A segment with times but no
//! days continues the previous one ("每天 8:00-12:00，14:00-18:00"), or means
//! every day. Closed days are written after open ones, so they win, as
//! they do in OSM syntax. Whatever is not understood is returned, so that
//! nothing is guessed.

/// Monday is bit 0, Sunday bit 6; public holidays bit 7.
type Days = u8;
const EVERY_DAY: Days = 0b0111_1111;
const WORKDAYS: Days = 0b0001_1111;
const WEEKEND: Days = 0b0110_0000;
const HOLIDAYS: Days = 0b1000_0000;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// One weekday (0 = Monday), which a dash can make a range.
    Day(u8),
    /// A fixed set: every day, workdays, weekends, holidays.
    Days(Days),
    /// Minutes from midnight, as written (a modifier may still move it).
    Time(u16),
    /// 早上 / 上午 / am, 中午, 下午 / 晚上 / pm, 次日.
    Half(Half),
    AllDay,
    Dash,
    /// 、 / 和 / 及: another item of the same list.
    List,
    /// , or ; (and line breaks): the end of a segment.
    End,
    Closed,
    /// "Open" when nothing else is said: 开放, 照常.
    Open,
    Unknown(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Half {
    Morning,
    Noon,
    Afternoon,
    NextDay,
    /// English am / pm, written after the time.
    Am,
    Pm,
}

/// Words, longest first where one starts another.
const WORDS: &[(&str, Tok)] = &[
    ("7×24小时", Tok::AllDay),
    ("7×24小時", Tok::AllDay),
    ("7*24小时", Tok::AllDay),
    ("7*24小時", Tok::AllDay),
    ("7x24小时", Tok::AllDay),
    ("7x24小時", Tok::AllDay),
    ("7×24", Tok::AllDay),
    ("7*24", Tok::AllDay),
    ("7x24", Tok::AllDay),
    ("7天", Tok::Days(EVERY_DAY)),
    ("法定节假日", Tok::Days(HOLIDAYS)),
    ("法定節假日", Tok::Days(HOLIDAYS)),
    ("国定假日", Tok::Days(HOLIDAYS)),
    ("國定假日", Tok::Days(HOLIDAYS)),
    ("法定假日", Tok::Days(HOLIDAYS)),
    ("节假日", Tok::Days(HOLIDAYS)),
    ("節假日", Tok::Days(HOLIDAYS)),
    ("节日", Tok::Days(HOLIDAYS)),
    ("節日", Tok::Days(HOLIDAYS)),
    ("public holidays", Tok::Days(HOLIDAYS)),
    ("public holiday", Tok::Days(HOLIDAYS)),
    ("holidays", Tok::Days(HOLIDAYS)),
    // In Taiwan 假日 is the weekend and the holidays.
    ("假日", Tok::Days(WEEKEND | HOLIDAYS)),
    ("每天", Tok::Days(EVERY_DAY)),
    ("每日", Tok::Days(EVERY_DAY)),
    ("天天", Tok::Days(EVERY_DAY)),
    ("全周", Tok::Days(EVERY_DAY)),
    ("全週", Tok::Days(EVERY_DAY)),
    ("every day", Tok::Days(EVERY_DAY)),
    ("everyday", Tok::Days(EVERY_DAY)),
    ("daily", Tok::Days(EVERY_DAY)),
    ("7 days", Tok::Days(EVERY_DAY)),
    ("工作日", Tok::Days(WORKDAYS)),
    ("平日", Tok::Days(WORKDAYS)),
    ("weekdays", Tok::Days(WORKDAYS)),
    ("双休日", Tok::Days(WEEKEND)),
    ("雙休日", Tok::Days(WEEKEND)),
    ("周末", Tok::Days(WEEKEND)),
    ("週末", Tok::Days(WEEKEND)),
    ("weekends", Tok::Days(WEEKEND)),
    ("weekend", Tok::Days(WEEKEND)),
    ("全天候", Tok::AllDay),
    ("全天", Tok::AllDay),
    ("全日", Tok::AllDay),
    ("二十四小时", Tok::AllDay),
    ("二十四小時", Tok::AllDay),
    ("24小时", Tok::AllDay),
    ("24小時", Tok::AllDay),
    ("24 hours", Tok::AllDay),
    ("24hours", Tok::AllDay),
    ("24hrs", Tok::AllDay),
    ("24 hrs", Tok::AllDay),
    ("24h", Tok::AllDay),
    ("暂停开放", Tok::Closed),
    ("暫停開放", Tok::Closed),
    ("停止开放", Tok::Closed),
    ("停止開放", Tok::Closed),
    ("不开放", Tok::Closed),
    ("不開放", Tok::Closed),
    ("不营业", Tok::Closed),
    ("不營業", Tok::Closed),
    ("休息", Tok::Closed),
    ("闭馆", Tok::Closed),
    ("閉館", Tok::Closed),
    ("休馆", Tok::Closed),
    ("休館", Tok::Closed),
    ("闭园", Tok::Closed),
    ("閉園", Tok::Closed),
    ("关闭", Tok::Closed),
    ("關閉", Tok::Closed),
    ("关门", Tok::Closed),
    ("關門", Tok::Closed),
    ("公休", Tok::Closed),
    ("除外", Tok::Closed),
    ("停用", Tok::Closed),
    ("closed", Tok::Closed),
    ("开放时间", Tok::Open),
    ("開放時間", Tok::Open),
    ("营业时间", Tok::Open),
    ("營業時間", Tok::Open),
    ("服务时间", Tok::Open),
    ("服務時間", Tok::Open),
    ("全年无休", Tok::Days(EVERY_DAY)),
    ("全年無休", Tok::Days(EVERY_DAY)),
    ("正常开放", Tok::Open),
    ("正常開放", Tok::Open),
    ("照常开放", Tok::Open),
    ("照常開放", Tok::Open),
    ("开放", Tok::Open),
    ("開放", Tok::Open),
    ("营业", Tok::Open),
    ("營業", Tok::Open),
    ("照常", Tok::Open),
    ("全年", Tok::Open),
    ("常年", Tok::Open),
    ("时间", Tok::Open),
    ("時間", Tok::Open),
    ("open", Tok::Open),
    ("hours", Tok::Open),
    // 每 before a day: 每周一闭馆.
    ("每", Tok::Open),
    ("以及", Tok::List),
    ("及", Tok::List),
    ("和", Tok::List),
    ("与", Tok::List),
    ("與", Tok::List),
    ("and", Tok::List),
    ("&", Tok::List),
    ("/", Tok::List),
    ("to", Tok::Dash),
    ("早上", Tok::Half(Half::Morning)),
    ("早晨", Tok::Half(Half::Morning)),
    ("清晨", Tok::Half(Half::Morning)),
    ("上午", Tok::Half(Half::Morning)),
    ("凌晨", Tok::Half(Half::Morning)),
    ("早", Tok::Half(Half::Morning)),
    ("中午", Tok::Half(Half::Noon)),
    ("正午", Tok::Half(Half::Noon)),
    ("下午", Tok::Half(Half::Afternoon)),
    ("傍晚", Tok::Half(Half::Afternoon)),
    ("晚上", Tok::Half(Half::Afternoon)),
    ("夜间", Tok::Half(Half::Afternoon)),
    ("夜間", Tok::Half(Half::Afternoon)),
    ("晚间", Tok::Half(Half::Afternoon)),
    ("晚間", Tok::Half(Half::Afternoon)),
    ("晚", Tok::Half(Half::Afternoon)),
    ("次日", Tok::Half(Half::NextDay)),
    ("翌日", Tok::Half(Half::NextDay)),
    ("隔天", Tok::Half(Half::NextDay)),
    ("隔日", Tok::Half(Half::NextDay)),
    ("a.m.", Tok::Half(Half::Am)),
    ("p.m.", Tok::Half(Half::Pm)),
    ("am", Tok::Half(Half::Am)),
    ("pm", Tok::Half(Half::Pm)),
];

const DAY_PREFIXES: &[&str] = &["星期", "礼拜", "禮拜", "周", "週"];
const DAY_CHARS: &[(char, u8)] = &[
    ('一', 0),
    ('二', 1),
    ('三', 2),
    ('四', 3),
    ('五', 4),
    ('六', 5),
    ('日', 6),
    ('天', 6),
    ('七', 6),
];
const ENGLISH_DAYS: &[(&str, u8)] = &[
    ("monday", 0),
    ("tuesday", 1),
    ("wednesday", 2),
    ("thursday", 3),
    ("friday", 4),
    ("saturday", 5),
    ("sunday", 6),
    ("mon", 0),
    ("tues", 1),
    ("tue", 1),
    ("wed", 2),
    ("thurs", 3),
    ("thu", 3),
    ("fri", 4),
    ("sat", 5),
    ("sun", 6),
];

/// One character as the tokenizer sees it: full-width forms made ASCII,
/// dashes and range words one `-`, separators one of `,` `;` `/`.
fn normalise(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    match c {
        '–' | '—' | '−' | '~' | '〜' | '至' | '到' | '﹣' => '-',
        '、' => '/',
        '，' | '､' => ',',
        '；' | '。' | '\n' | '\r' | '|' | '(' | ')' | '（' | '）' | '[' | ']' | '【' | '】' => {
            ';'
        }
        '：' => ':',
        c => c.to_ascii_lowercase(),
    }
}

fn tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().map(normalise).collect();
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    let starts_with = |i: usize, word: &str| {
        let mut at = i;
        for w in word.chars() {
            if chars.get(at) != Some(&w) {
                return false;
            }
            at += 1;
        }
        // An English word ends where letters do.
        !(word.chars().all(|c| c.is_ascii_alphabetic())
            && chars.get(at).is_some_and(char::is_ascii_alphabetic))
    };
    'next: while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | ':' | '.' => {
                i += 1;
                continue;
            }
            '-' => {
                out.push(Tok::Dash);
                i += 1;
                continue;
            }
            ',' | ';' => {
                out.push(Tok::End);
                i += 1;
                continue;
            }
            _ => {}
        }
        for (word, tok) in WORDS {
            if starts_with(i, word) {
                out.push(tok.clone());
                i += word.chars().count();
                continue 'next;
            }
        }
        if c.is_ascii_digit() {
            let (tok, len) = time(&chars[i..]);
            out.push(tok);
            i += len;
            continue;
        }
        for prefix in DAY_PREFIXES {
            if starts_with(i, prefix) {
                let mut at = i + prefix.chars().count();
                let mut found = false;
                while let Some(day) = chars.get(at).and_then(|c| day_char(*c)) {
                    if found {
                        out.push(Tok::List);
                    }
                    out.push(Tok::Day(day));
                    found = true;
                    at += 1;
                }
                if found {
                    i = at;
                    continue 'next;
                }
            }
        }
        if let Some((t, len)) = chinese_hour(&chars[i..]) {
            out.push(Tok::Time(t));
            i += len;
            continue;
        }
        // A bare day after a day and a dash or a list: 周一至五, 周六、日.
        if let (Some(day), [.., Tok::Day(_), Tok::Dash | Tok::List]) = (day_char(c), &out[..]) {
            out.push(Tok::Day(day));
            i += 1;
            continue;
        }
        for (word, day) in ENGLISH_DAYS {
            if starts_with(i, word) {
                out.push(Tok::Day(*day));
                i += word.len();
                continue 'next;
            }
        }
        // Anything else, up to the next thing we know, is not understood.
        let start = i;
        i += 1;
        while i < chars.len()
            && !matches!(chars[i], ' ' | ',' | ';' | '-' | '/')
            && !chars[i].is_ascii_digit()
        {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        match out.last_mut() {
            Some(Tok::Unknown(previous)) => previous.push_str(&word),
            _ => out.push(Tok::Unknown(word)),
        }
    }
    out
}

fn day_char(c: char) -> Option<u8> {
    DAY_CHARS.iter().find(|(d, _)| *d == c).map(|(_, n)| *n)
}

/// A time at the start of `chars`: "8:00", "08:30", "8点", "8点半", "8時30分",
/// "0800", or a bare hour "8". Returns the token and the characters used.
fn time(chars: &[char]) -> (Tok, usize) {
    let digits = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let number = |from: usize, len: usize| -> u32 {
        chars[from..from + len]
            .iter()
            .fold(0, |n, c| n * 10 + c.to_digit(10).unwrap_or(0))
    };
    let n = digits(0);
    let unknown = |len: usize| (Tok::Unknown(chars[..len].iter().collect()), len);
    if n == 4 {
        // 0800-2200
        let (h, m) = (number(0, 2), number(2, 2));
        return match minutes(h, m) {
            Some(t) => (Tok::Time(t), 4),
            None => unknown(4),
        };
    }
    if n > 2 {
        return unknown(n);
    }
    let hour = number(0, n);
    let mut at = n;
    let mut minute = 0;
    if let Some(':' | '.' | '点' | '點' | '时' | '時') = chars.get(at) {
        at += 1;
        let m = digits(at);
        if m == 2 {
            minute = number(at, 2);
            at += 2;
            if matches!(chars.get(at), Some('分')) {
                at += 1;
            }
        } else if m == 0 && matches!(chars.get(at), Some('半')) {
            minute = 30;
            at += 1;
        } else if m != 0 {
            return unknown(at + m);
        }
    }
    match minutes(hour, minute) {
        Some(t) => (Tok::Time(t), at),
        None => unknown(at),
    }
}

/// An hour in Chinese numerals: 八点, 十点半, 二十二时.
fn chinese_hour(chars: &[char]) -> Option<(u16, usize)> {
    let digit = |c: &char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == *c)
            .or((*c == '两').then_some(2))
            .map(|n| n as u32)
    };
    let mut hour = 0;
    let mut len = 0;
    let mut tens = false;
    for c in chars.iter().take(3) {
        match c {
            '十' if !tens => {
                hour = hour.max(1) * 10;
                tens = true;
            }
            c => match digit(c) {
                Some(d) if tens => hour += d,
                Some(d) if len == 0 => hour = d,
                _ => break,
            },
        }
        len += 1;
    }
    if len == 0 || !matches!(chars.get(len), Some('点' | '點' | '时' | '時')) {
        return None;
    }
    let (minute, used) = match chars.get(len + 1) {
        Some('半') => (30, len + 2),
        _ => (0, len + 1),
    };
    minutes(hour, minute).map(|t| (t, used))
}

fn minutes(hour: u32, minute: u32) -> Option<u16> {
    (hour <= 24 && minute < 60 && (hour < 24 || minute == 0)).then(|| (hour * 60 + minute) as u16)
}

/// A rule of the result: days open at these times, or closed.
#[derive(Debug)]
struct Rule {
    days: Days,
    times: Vec<(u16, u16)>,
}

/// What could not be read.
pub(super) struct Unread {
    /// The parts not understood (none when nothing says when it opens).
    pub parts: Vec<String>,
    /// Whether some days or times were understood.
    pub partly: bool,
}

/// Reads `text`; `Ok` with OSM syntax, or what was not understood.
pub(super) fn read(text: &str) -> Result<String, Unread> {
    let toks = tokens(text);
    let mut unread = Vec::new();
    let mut open: Vec<Rule> = Vec::new();
    let mut closed: Days = 0;
    let mut pending: Option<Days> = None;
    for segment in toks.split(|t| *t == Tok::End) {
        let Some(seg) = Segment::read(segment, &mut unread) else {
            continue;
        };
        if seg.closed && !seg.times.is_empty() {
            // A break in the day: "8:00-18:00（12:00-14:00休息）".
            match (seg.days, open.last_mut()) {
                (None, Some(last)) => last.times = without(&last.times, &seg.times),
                _ => unread.push(format!("{} 休息 / closed", times(&seg.times))),
            }
            continue;
        }
        if seg.closed {
            match seg.days.or(pending.take()) {
                Some(days) => closed |= days,
                None => unread.push("休息 / closed without a day".to_owned()),
            }
            continue;
        }
        if seg.times.is_empty() {
            // Days alone name the days of the next times ("周一至周五；8:00-18:00").
            if let Some(days) = seg.days {
                pending = Some(days);
            }
            continue;
        }
        match seg.days.or(pending.take()) {
            Some(days) => open.push(Rule {
                days,
                times: seg.times,
            }),
            None => match open.last_mut() {
                Some(last) => last.times.extend(seg.times),
                None => open.push(Rule {
                    days: EVERY_DAY,
                    times: seg.times,
                }),
            },
        }
    }
    let partly = !open.is_empty() || closed != 0 || pending.is_some();
    if !unread.is_empty() {
        return Err(Unread {
            parts: unread,
            partly,
        });
    }
    if open.is_empty() {
        // Days with no times: open on those days, the hours not said.
        match pending {
            Some(days) if days != HOLIDAYS => open.push(Rule {
                days,
                times: Vec::new(),
            }),
            _ if closed != 0 => {}
            _ => {
                return Err(Unread {
                    parts: Vec::new(),
                    partly,
                });
            }
        }
    }
    Ok(write(&open, closed))
}

/// One segment's days and times.
#[derive(Debug, Default)]
struct Segment {
    days: Option<Days>,
    times: Vec<(u16, u16)>,
    closed: bool,
}

impl Segment {
    fn read(toks: &[Tok], unread: &mut Vec<String>) -> Option<Segment> {
        let mut seg = Segment::default();
        let mut days: Days = 0;
        let mut said = false;
        let mut i = 0;
        let mut half: Option<Half> = None;
        // The open was written 下午 / 晚上: a bare close is too ("下午2-5点").
        let mut afternoon = false;
        // 次日 / 翌日: the next time is tomorrow's.
        let mut next_day = false;
        let mut start: Option<u16> = None;
        let mut dash = false;
        while i < toks.len() {
            match &toks[i] {
                Tok::Day(a) => {
                    // A range: 周一至周五, Mon-Fri.
                    if let (Some(Tok::Dash), Some(Tok::Day(b))) = (toks.get(i + 1), toks.get(i + 2))
                    {
                        let mut d = *a;
                        loop {
                            days |= 1 << d;
                            if d == *b {
                                break;
                            }
                            d = (d + 1) % 7;
                        }
                        i += 3;
                        said = true;
                        continue;
                    }
                    days |= 1 << a;
                    said = true;
                }
                Tok::Days(d) => {
                    days |= d;
                    said = true;
                }
                Tok::AllDay => seg.times.push((0, 24 * 60)),
                Tok::Half(Half::NextDay) => next_day = true,
                Tok::Half(h) => half = Some(*h),
                Tok::Time(t) => {
                    // English am / pm follow the time.
                    let after = match toks.get(i + 1) {
                        Some(Tok::Half(h @ (Half::Am | Half::Pm))) => {
                            i += 1;
                            Some(*h)
                        }
                        _ => None,
                    };
                    let written = half.take().or(after);
                    let open = start.filter(|_| dash);
                    let mut t = shifted(*t, written, open, afternoon);
                    if std::mem::take(&mut next_day) {
                        t += 24 * 60;
                    }
                    match start {
                        Some(from) if dash => {
                            // Past midnight: a close at or before the open.
                            let to = if t <= from { t + 24 * 60 } else { t };
                            if to - from > 24 * 60 {
                                unread.push(format!("{}-{}", clock(from), clock(t)));
                            } else {
                                seg.times.push((from, to));
                            }
                            start = None;
                            dash = false;
                            afternoon = false;
                        }
                        Some(from) => {
                            unread.push(format!("{} without an end", clock(from)));
                            start = Some(t);
                        }
                        None => {
                            afternoon = matches!(written, Some(Half::Afternoon));
                            start = Some(t);
                        }
                    }
                }
                Tok::Dash if start.is_some() => dash = true,
                Tok::Dash => {}
                Tok::List | Tok::Open | Tok::End => {}
                Tok::Closed => seg.closed = true,
                Tok::Unknown(word) => unread.push(word.clone()),
            }
            i += 1;
        }
        if let Some(from) = start {
            unread.push(format!("{} without an end", clock(from)));
        }
        if said {
            seg.days = Some(days);
        }
        (said || !seg.times.is_empty() || seg.closed).then_some(seg)
    }
}

/// A written time moved by 上午 / 下午 / 晚上 / 中午 or am / pm; a bare close
/// after an afternoon open is in the afternoon too ("下午2-5点").
fn shifted(t: u16, half: Option<Half>, open: Option<u16>, afternoon: bool) -> u16 {
    const NOON: u16 = 12 * 60;
    let hour = t / 60;
    match half {
        Some(Half::Afternoon) if hour == 12 && open.is_some() => 2 * NOON,
        Some(Half::Afternoon | Half::Pm) if hour < 12 => t + NOON,
        Some(Half::Noon) if hour < 6 => t + NOON,
        Some(Half::Morning | Half::Am) if hour == 12 => t - NOON,
        None if afternoon && open.is_some_and(|s| t < s && t + NOON > s) => t + NOON,
        _ => t,
    }
}

/// `open` without the `breaks`.
fn without(open: &[(u16, u16)], breaks: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut spans = open.to_vec();
    for &(from, to) in breaks {
        spans = spans
            .into_iter()
            .flat_map(|(a, b)| {
                let before = (a, b.min(from));
                let after = (a.max(to), b);
                [before, after].into_iter().filter(|(a, b)| a < b)
            })
            .collect();
    }
    spans
}

fn times(spans: &[(u16, u16)]) -> String {
    spans
        .iter()
        .map(|(a, b)| format!("{}-{}", clock(*a), clock(*b)))
        .collect::<Vec<_>>()
        .join(",")
}

fn clock(t: u16) -> String {
    format!("{:02}:{:02}", t / 60, t % 60)
}

fn days(mask: Days) -> String {
    const NAMES: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
    let mut parts: Vec<String> = Vec::new();
    let mut d = 0;
    while d < 7 {
        if mask & (1 << d) == 0 {
            d += 1;
            continue;
        }
        let start = d;
        while d + 1 < 7 && mask & (1 << (d + 1)) != 0 {
            d += 1;
        }
        match d - start {
            0 => parts.push(NAMES[start].to_owned()),
            1 => parts.push(format!("{},{}", NAMES[start], NAMES[d])),
            _ => parts.push(format!("{}-{}", NAMES[start], NAMES[d])),
        }
        d += 1;
    }
    if mask & HOLIDAYS != 0 {
        parts.push("PH".to_owned());
    }
    parts.join(",")
}

fn write(open: &[Rule], closed: Days) -> String {
    let mut rules: Vec<String> = Vec::new();
    for rule in open {
        if rule.days & EVERY_DAY == EVERY_DAY && rule.times == [(0, 24 * 60)] && closed == 0 {
            rules.push("24/7".to_owned());
        } else if rule.times.is_empty() {
            rules.push(format!("{} open", days(rule.days)));
        } else {
            rules.push(format!("{} {}", days(rule.days), times(&rule.times)));
        }
    }
    if closed != 0 {
        rules.push(format!("{} off", days(closed)));
    }
    rules.join("; ")
}
