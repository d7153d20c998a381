//! The two languages stay whole: every message exists in zh-CN and en-US, every key the code and
//! the templates use exists, and no template holds visible text outside the messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use portal::domain::LicenseCountError;
use portal::domain::Service;
use portal::domain::dates::DayError;
use portal::domain::status::StatusChangeError;
use portal::store::activity::Action;
use portal::web::middleware::i18n::Locale;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The message ids of a Fluent file (`id = …` at the start of a line).
fn ids(locale: &str) -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(root().join("locales").join(locale).join("portal.ftl")).unwrap();
    text.lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" ="))
        .map(|(id, _)| id.trim().to_owned())
        .collect()
}

#[test]
fn every_message_exists_in_both_languages() {
    let zh = ids("zh-CN");
    let en = ids("en-US");
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}; only in en-US: {only_en:?}"
    );
    assert!(zh.len() > 100);
}

/// Keys passed literally to `t`, `t1`, `t2` and `t_with` in templates and code.
fn literal_keys() -> BTreeSet<(String, String)> {
    let mut keys = BTreeSet::new();
    let mut sources = files(&root().join("templates"), "html");
    sources.extend(files(&root().join("src"), "rs"));
    for path in sources {
        let text = std::fs::read_to_string(&path).unwrap();
        for call in ["t(\"", "t1(\"", "t2(\"", "t_with(\"", "t_with(\n        \""] {
            for (at, _) in text.match_indices(call) {
                let before = &text[..at];
                if !(before.ends_with("l.")
                    || before.ends_with("self.l.")
                    || before.ends_with(".l.")
                    || call.starts_with("t_with"))
                {
                    continue;
                }
                let rest = &text[at + call.len()..];
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !key.is_empty() && rest[key.len()..].starts_with('"') {
                    keys.insert((
                        key,
                        path.strip_prefix(root()).unwrap().display().to_string(),
                    ));
                }
            }
        }
    }
    keys
}

/// Keys the code builds: every variant of every message-bearing enum, and the formatted ones.
fn built_keys() -> Vec<String> {
    let mut keys: Vec<String> = Service::ALL
        .iter()
        .map(|s| s.message_key().to_owned())
        .collect();
    use LicenseCountError::*;
    for e in [
        Empty,
        FullWidthDigits,
        NotAWholeNumber,
        OutOfRange { min: 1, max: 2 },
        BelowAssigned { assigned: 1 },
        Unchanged(1),
        NotActive,
    ] {
        keys.push(e.message_key().to_owned());
    }
    for e in [
        StatusChangeError::Cancelled,
        StatusChangeError::AlreadySuspended,
        StatusChangeError::AlreadyActive,
    ] {
        keys.push(e.message_key().to_owned());
    }
    for a in Action::all() {
        keys.push(a.message_key());
    }
    for e in [DayError::NotADate, DayError::BeforeFirst] {
        keys.push(e.message_key().to_owned());
    }
    for s in ["active", "suspended", "cancelled"] {
        keys.push(format!("status-{s}"));
    }
    for d in ["licenses", "suspend", "reactivate"] {
        keys.push(format!("done-{d}"));
    }
    for code in [400, 403, 404, 405, 413, 429, 500] {
        keys.push(format!("error-{code}-title"));
        keys.push(format!("error-{code}-text"));
    }
    keys.extend(["monthly", "annual"].map(String::from));
    for state in [
        "pending",
        "approving",
        "approved",
        "rejected",
        "withdrawn",
        "stale",
        "expired",
    ] {
        keys.push(format!("approvals-state-{state}"));
    }
    for kind in portal::domain::change::Kind::ALL {
        keys.push(format!("activity-action-{kind}"));
    }
    keys
}

#[test]
fn every_key_the_code_and_templates_use_exists() {
    let literal = literal_keys();
    assert!(
        literal.len() > 100,
        "the scan found the calls: {}",
        literal.len()
    );
    for locale in Locale::ALL {
        let known = ids(locale.tag());
        let missing: Vec<_> = literal.iter().filter(|(k, _)| !known.contains(k)).collect();
        assert!(missing.is_empty(), "{}: missing {missing:?}", locale.tag());
        let missing: Vec<_> = built_keys()
            .into_iter()
            .filter(|k| !known.contains(k))
            .collect();
        assert!(missing.is_empty(), "{}: missing {missing:?}", locale.tag());
        // The compiled-in messages are the files' messages.
        assert!(locale.has("upgrade-now") && !locale.has("no-such-message"));
    }
}

/// Text a user would read: outside tags and template code, and in the visible attributes.
fn visible_literals(template: &str) -> Vec<String> {
    // Template code out first: comments, blocks, expressions.
    let mut text = String::new();
    let mut rest = template;
    while let Some(start) = rest.find(['{']) {
        text.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = match &after[..2.min(after.len())] {
            "{{" => after.find("}}").map(|e| e + 2),
            "{%" => after.find("%}").map(|e| e + 2),
            "{#" => after.find("#}").map(|e| e + 2),
            _ => Some(1),
        };
        let end = end.unwrap_or(after.len());
        text.push(' ');
        rest = &after[end..];
    }
    text.push_str(rest);

    let mut found = Vec::new();
    let mut chunks = text.split('<');
    if let Some(first) = chunks.next() {
        found.push(first.to_owned());
    }
    for chunk in chunks {
        let (tag, after) = chunk.split_once('>').unwrap_or((chunk, ""));
        found.push(after.to_owned());
        for attr in [
            "placeholder=\"",
            "title=\"",
            "alt=\"",
            "aria-label=\"",
            "value=\"",
        ] {
            if let Some(at) = tag.find(attr) {
                let value: String = tag[at + attr.len()..]
                    .chars()
                    .take_while(|c| *c != '"')
                    .collect();
                // Only a submit input shows its value; other values are data, not text.
                if attr != "value=\""
                    || (tag.starts_with("input") && tag.contains("type=\"submit\""))
                {
                    found.push(value);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| t.chars().any(|c| c.is_alphabetic()))
        .collect()
}

#[test]
fn templates_hold_no_visible_literal_text() {
    let mut offenders = Vec::new();
    for path in files(&root().join("templates"), "html") {
        let template = std::fs::read_to_string(&path).unwrap();
        for text in visible_literals(&template) {
            offenders.push(format!(
                "{}: {text:?}",
                path.strip_prefix(root()).unwrap().display()
            ));
        }
    }
    assert!(
        offenders.is_empty(),
        "visible text outside the messages:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_literal_text_check_can_fail() {
    assert_eq!(visible_literals("<p>Hello {{ name }}</p>"), ["Hello"]);
    assert_eq!(
        visible_literals("<input placeholder=\"Search\">"),
        ["Search"]
    );
    assert!(visible_literals("<p>{{ l.t(\"x\") }} · — →</p>").is_empty());
    assert!(visible_literals("<a href=\"/x\" class=\"button\">{{ l.t(\"x\") }}</a>").is_empty());
}

/// The messages of a Fluent file, id and text: a message's continuation lines (indented) join
/// its first, each trimmed; comments and blank lines are left out.
fn messages(locale: &str) -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(root().join("locales").join(locale).join("portal.ftl")).unwrap();
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with(|c: char| c.is_ascii_lowercase())
            && let Some((id, value)) = line.split_once(" =")
        {
            out.push((id.trim().to_owned(), value.trim().to_owned()));
        } else if line.starts_with(' ')
            && let Some((_, value)) = out.last_mut()
        {
            if !value.is_empty() && !line.trim().is_empty() {
                value.push('\n');
            }
            value.push_str(line.trim());
        }
    }
    out
}

/// What breaks the zh-CN voice in one message: 您 (the portal says 你, as Partner Center's
/// Chinese pages do), the time zone by any name but 北京时间, ASCII punctuation beside Chinese
/// text or a placeable (it belongs only inside an ASCII phrase: "Authorization: Bearer"), and a
/// space beside full-width punctuation.
fn voice_faults(text: &str) -> Vec<String> {
    let mut faults = Vec::new();
    if text.contains('您') {
        faults.push("您 (say 你)".to_owned());
    }
    for other in ["中国标准时间", "中国时间", "北京时区"] {
        if text.contains(other) {
            faults.push(format!("{other} (say 北京时间)"));
        }
    }
    // A placeable reads as one character of its own, neither ASCII nor Chinese.
    let mut chars: Vec<char> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        chars.extend(rest[..start].chars());
        chars.push('\u{fffc}');
        rest = rest[start..].split_once('}').map_or("", |(_, after)| after);
    }
    chars.extend(rest.chars());
    let neighbour = |at: usize, step: isize| -> Option<char> {
        let mut i = at as isize + step;
        while i >= 0 && (i as usize) < chars.len() {
            let c = chars[i as usize];
            if c != ' ' {
                return Some(c);
            }
            i += step;
        }
        None
    };
    for (i, &c) in chars.iter().enumerate() {
        if ":;,!?()".contains(c) {
            let ascii_phrase = [neighbour(i, -1), neighbour(i, 1)].iter().all(|n| {
                // An ASCII phrase, a name in quotes or an address (`https://…`).
                n.is_none_or(|n| n.is_ascii_alphanumeric() || n == '"' || n == '/')
            });
            if !ascii_phrase {
                faults.push(format!("ASCII {c:?} in Chinese text (use full-width)"));
            }
        }
        if "，。：；！？（）、“”".contains(c) {
            let before = i.checked_sub(1).map(|b| chars[b]);
            let after = chars.get(i + 1).copied();
            if before == Some(' ') || after == Some(' ') {
                faults.push(format!("a space beside {c:?}"));
            }
        }
    }
    faults
}

#[test]
fn the_chinese_catalogue_speaks_with_one_voice() {
    let mut offenders = Vec::new();
    for (id, text) in messages("zh-CN") {
        for fault in voice_faults(&text) {
            offenders.push(format!("{id}: {fault}: {text:?}"));
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    // "附加服务：无", not "附加服务：无附加服务".
    let zh = Locale::ZhCn;
    assert_eq!(
        zh.t1("adds-services", "services", zh.t("no-additional-services")),
        "附加服务：无"
    );
}

#[test]
fn the_voice_check_can_fail() {
    for (text, fault) in [
        ("请您重试。", "您"),
        ("按中国标准时间计算。", "北京时间"),
        ("导出客户 (CSV)", "ASCII '('"),
        ("批量更改 #{ $id }: 升级", "ASCII ':'"),
        ("购买 。", "a space beside '。'"),
        ("。 该订阅", "a space beside '。'"),
        ("请求时以 “Authorization”", "a space beside '“'"),
    ] {
        let faults = voice_faults(text);
        assert!(
            faults.iter().any(|f| f.contains(fault)),
            "{text:?}: {faults:?}"
        );
    }
    for fine in [
        "请求时以“Authorization: Bearer”加上令牌发送。",
        "共 { $count } 个客户",
        "按北京时间（UTC+8）计算。",
        "请按 YYYY-MM-DD 格式输入日期，例如 2026-07-20。",
    ] {
        assert_eq!(voice_faults(fine), Vec::<String>::new(), "{fine:?}");
    }
}
