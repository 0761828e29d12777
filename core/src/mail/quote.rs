//! Best-effort trimming of what a reply repeats: the quoted earlier
//! message and the signature. The original text is always kept beside the
//! trimmed one; when trimming would leave nothing, nothing is trimmed.

/// `text` without the quoted earlier message (Gmail's `On … wrote:`,
/// Apple Mail's `> On … wrote:`, Outlook's `From:`/`Sent:` block and
/// `-----Original Message-----`, trailing `>` lines) and without a
/// signature (`-- ` and the mobile `Sent from my …` lines).
///
/// ```
/// # use ticketry_core::mail::visible_text;
/// let reply = "Works now, thanks!\n\nOn Thu, 12 Mar 2026 at 09:14, Support <s@acme.example> wrote:\n> Try again.\n";
/// assert_eq!(visible_text(reply), "Works now, thanks!");
/// ```
pub fn visible(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        if starts_quote(&lines, i, line.trim()) {
            end = i;
            break;
        }
    }
    let mut kept = &lines[..end];
    // A signature: from the last `-- ` delimiter on.
    if let Some(sig) = kept.iter().rposition(|l| *l == "-- " || *l == "--") {
        kept = &kept[..sig];
    }
    // Trailing quoted lines, blank lines and mobile signatures.
    while let Some(last) = kept.last() {
        let l = last.trim();
        if l.is_empty() || l.starts_with('>') || is_mobile_signature(l) {
            kept = &kept[..kept.len() - 1];
        } else {
            break;
        }
    }
    let out = kept.join("\n").trim().to_owned();
    if out.is_empty() {
        text.trim().to_owned()
    } else {
        out
    }
}

/// Whether line `i` starts the quoted earlier message.
fn starts_quote(lines: &[&str], i: usize, line: &str) -> bool {
    let unquoted = line.trim_start_matches('>').trim();
    // "On <date>, <name> wrote:" (possibly wrapped onto the next line), and
    // the same in a few languages.
    let attribution = |l: &str| {
        let l = l.trim_end();
        [
            "wrote:",
            "writes:",
            "schrieb:",
            "a écrit :",
            "a écrit:",
            "escribió:",
            "пишет:",
            "написал:",
            "написала:",
        ]
        .iter()
        .any(|w| l.ends_with(w))
    };
    if (unquoted.starts_with("On ")
        || unquoted.starts_with("Am ")
        || unquoted.starts_with("Le ")
        || unquoted.chars().next().is_some_and(|c| c.is_ascii_digit())
        || unquoted.contains('@'))
        && (attribution(unquoted)
            || lines
                .get(i + 1)
                .is_some_and(|n| attribution(n.trim_start_matches('>').trim()) && n.len() < 40))
    {
        return true;
    }
    if unquoted.starts_with("-----Original Message-----")
        || unquoted.starts_with("----- Original Message -----")
        || unquoted.starts_with("-----Исходное сообщение-----")
    {
        return true;
    }
    // Outlook: a rule of underscores, or a header block `From:` followed by
    // `Sent:`/`Date:` within three lines.
    let header_block = |from: usize| {
        lines.get(from).is_some_and(|l| {
            let l = l.trim();
            l.starts_with("From:") || l.starts_with("От:")
        }) && lines.iter().skip(from + 1).take(3).any(|l| {
            let l = l.trim();
            l.starts_with("Sent:") || l.starts_with("Date:") || l.starts_with("Отправлено:")
        })
    };
    if line.len() >= 20
        && line.chars().all(|c| c == '_')
        && (header_block(i + 1) || header_block(i + 2))
    {
        return true;
    }
    header_block(i)
}

fn is_mobile_signature(line: &str) -> bool {
    [
        "Sent from my ",
        "Sent from Mail for ",
        "Get Outlook for ",
        "Отправлено с ",
        "Отправлено из ",
    ]
    .iter()
    .any(|p| line.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn gmail_quotes_are_cut() {
        let t = "Still broken.\n\nOn Thu, 12 Mar 2026 at 09:14, Anna Petrova <anna@example.com>\nwrote:\n> old\n";
        assert_eq!(visible(t), "Still broken.");
    }

    #[test]
    fn outlook_blocks_are_cut() {
        let t = "New text.\n\n________________________________\nFrom: Acme <s@acme.example>\nSent: Thursday\nTo: Anna\n\nold text";
        assert_eq!(visible(t), "New text.");
        let t = "New text.\n-----Original Message-----\nFrom: x\nold";
        assert_eq!(visible(t), "New text.");
    }

    #[test]
    fn signatures_are_cut_but_never_everything() {
        assert_eq!(
            visible("Hi\n\nSent from my iPhone\n\n> On 12 Mar, Anna wrote:\n> x"),
            "Hi"
        );
        assert_eq!(visible("Hi\n-- \nAnna\nACME"), "Hi");
        assert_eq!(visible("> only a quote"), "> only a quote");
    }
}
