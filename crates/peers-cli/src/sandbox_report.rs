//! The report's `## Sandbox` section, from `.peers/log/sandbox.jsonl`: how the last run
//! confined its agents, and what went through the sandbox's proxies (requests allowed and
//! denied, bytes each way, the hosts refused).

use std::collections::BTreeMap;
use std::io::{BufReader, Read as _};
use std::path::Path;

/// Read at most this much of the log (it grows by a line per request).
const LOG_CAP: u64 = 64 * 1024 * 1024;

#[derive(Debug, Default, PartialEq)]
struct Summary {
    last_run: Option<String>,
    allowed: u64,
    denied: u64,
    bytes_up: u64,
    bytes_down: u64,
    /// Refused host → how often.
    refused: BTreeMap<String, u64>,
}

/// The section's Markdown (empty when no run was recorded).
pub fn section(repo: &Path) -> String {
    let Ok(file) = std::fs::File::open(crate::sandbox_network::log_path(repo)) else {
        return String::new();
    };
    let summary = summarise(BufReader::new(file.take(LOG_CAP)));
    render(&summary)
}

fn summarise(reader: impl std::io::BufRead) -> Summary {
    let mut summary = Summary::default();
    for line in reader.lines().map_while(Result::ok) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        match value["kind"].as_str() {
            Some("run") => summary.last_run = value["sandbox"].as_str().map(str::to_owned),
            Some("request") => {
                let request = &value["request"];
                summary.bytes_up += request["bytes_up"].as_u64().unwrap_or(0);
                summary.bytes_down += request["bytes_down"].as_u64().unwrap_or(0);
                if request["decision"] == "allowed" {
                    summary.allowed += 1;
                } else {
                    summary.denied += 1;
                    let host = request["host"].as_str().unwrap_or("?").to_owned();
                    *summary.refused.entry(host).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    summary
}

fn render(summary: &Summary) -> String {
    let Some(last_run) = &summary.last_run else {
        return String::new();
    };
    let how = match last_run.as_str() {
        "none" => "**none**: agents ran on the host, unconfined (`--sandbox none` was given)",
        "native" => "native: each agent turn confined; network only through peers' proxies",
        other => other,
    };
    let mut out = format!(
        "\n## Sandbox\n\n- last run: {how}\n- proxied requests: {} allowed, {} denied; {} bytes up, {} bytes down\n",
        summary.allowed, summary.denied, summary.bytes_up, summary.bytes_down
    );
    if !summary.refused.is_empty() {
        let hosts: Vec<String> = summary
            .refused
            .iter()
            .map(|(host, count)| format!("{host} ×{count}"))
            .collect();
        out.push_str(&format!(
            "- refused: {} (allow a host in sandbox.allow_hosts if the agent needs it)\n",
            hosts.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_counts_requests_and_names_refused_hosts() {
        let log = [
            r#"{"kind":"run","sandbox":"none"}"#,
            r#"{"kind":"run","sandbox":"native"}"#,
            r#"{"kind":"request","request":{"proxy":"anthropic","host":"api.anthropic.com","bytes_up":10,"bytes_down":90,"decision":"allowed"}}"#,
            r#"{"kind":"request","request":{"proxy":"egress","host":"evil.tld","bytes_up":5,"bytes_down":0,"decision":"denied","reason":"x"}}"#,
            "torn {",
        ]
        .join("\n");
        let text = render(&summarise(log.as_bytes()));
        assert!(text.contains("last run: native"), "{text}");
        assert!(
            text.contains("1 allowed, 1 denied; 15 bytes up, 90 bytes down"),
            "{text}"
        );
        assert!(text.contains("refused: evil.tld ×1"), "{text}");
        let none = render(&summarise(r#"{"kind":"run","sandbox":"none"}"#.as_bytes()));
        assert!(none.contains("**none**"), "{none}");
        assert_eq!(render(&summarise(&b""[..])), "");
    }
}
