//! `peers-ctl serve` over HTTP on 127.0.0.1 against the fixture fleet: 401 without the token,
//! CSRF and origin refusals, pages with the right numbers and plot point counts, live updates as
//! server-sent events; and `peers-ctl stats` against analytics computed by hand.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use super::env::CtlEnv;
use super::fleet_fixture;
use super::serve_rig::{Server, TOKEN, attr};

#[test]
fn a_request_without_the_token_gets_401_and_the_token_once_in_the_url_sets_a_cookie() {
    let server = Server::start(&[]);
    for path in ["/", "/p/done", "/stats.json", "/assets/app.js", "/events"] {
        let (status, head, _) = server.request("GET", path, &[], "");
        assert_eq!(status, 401, "{path}");
        assert!(head.contains("www-authenticate: bearer"), "{head}");
    }
    let (status, _, _) = server.request(
        "GET",
        "/",
        &[("Authorization", "Bearer wrong-token-0123456789")],
        "",
    );
    assert_eq!(status, 401);
    let (status, _, _) = server.request("GET", "/", &[("Cookie", "peers_token=wrong")], "");
    assert_eq!(status, 401);
    let (status, head, _) = server.request("GET", &format!("/p/done?token={TOKEN}"), &[], "");
    assert_eq!(status, 303);
    assert!(head.contains("location: /p/done\r\n"), "{head}");
    assert!(
        head.contains(&format!(
            "set-cookie: peers_token={TOKEN}; httponly; samesite=strict"
        )),
        "{head}"
    );
    let cookie = format!("peers_token={TOKEN}");
    let (status, head, body) = server.request("GET", "/p/done", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200, "{body}");
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    assert!(
        !body.contains("http://") || !body.contains("https://"),
        "no asset from elsewhere"
    );
}

#[test]
fn a_post_without_the_csrf_token_or_from_another_origin_is_refused_and_read_only_refuses_all() {
    let server = Server::start(&["--actions"]);
    let page = server.page("/p/crashed");
    let csrf = attr(&page, "name=\"csrf\"", "value");
    assert_ne!(csrf, TOKEN);
    let bearer = format!("Bearer {TOKEN}");
    let form = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, _, body) = server.request("POST", "/p/crashed/action/stop", &form, "");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("CSRF"), "{body}");
    let (status, _, _) = server.request(
        "POST",
        "/p/crashed/action/stop",
        &form,
        "csrf=not-the-token",
    );
    assert_eq!(status, 403);
    let mut foreign = form.to_vec();
    foreign.push(("Origin", "http://evil.example"));
    let (status, _, body) = server.request(
        "POST",
        "/p/crashed/action/stop",
        &foreign,
        &format!("csrf={csrf}"),
    );
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = server.request(
        "POST",
        "/p/crashed/action/stop",
        &form,
        &format!("csrf={csrf}"),
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("is not running (state: crashed)"),
        "the CLI's own stop ran: {body}"
    );

    let read_only = Server::start(&[]);
    let page = read_only.page("/p/crashed");
    assert!(
        !page.contains("name=\"csrf\""),
        "no action forms when read-only"
    );
    let (status, _, body) = read_only.request(
        "POST",
        "/p/crashed/action/stop",
        &form,
        &format!("csrf={csrf}"),
    );
    assert_eq!(status, 403);
    assert!(body.contains("--actions"), "{body}");
}

#[test]
fn the_pages_show_the_fixture_numbers_and_plots_with_one_point_per_tick() {
    let server = Server::start(&[]);
    let fleet = server.page("/");
    for (name, state) in [
        ("done", "stopped"),
        ("halted", "halted"),
        ("crashed", "crashed"),
        ("running", "running"),
    ] {
        assert_eq!(
            attr(&fleet, &format!("data-project=\"{name}\""), "data-state"),
            state,
            "{name}"
        );
    }
    let sorted = server.page("/?sort=cost&desc=1");
    let first = sorted
        .find("data-project=")
        .map(|i| &sorted[i..i + 20])
        .expect("row");
    assert!(first.contains("\"done\""), "most expensive first: {first}");
    let filtered = server.page("/?state=crashed");
    assert!(
        filtered.contains("data-project=\"crashed\"")
            && !filtered.contains("data-project=\"done\"")
    );

    let run = server.page("/p/done");
    assert_eq!(attr(&run, "id=\"ticks\"", "data-count"), "5");
    assert_eq!(attr(&run, "data-plot=\"heatmap\"", "data-ticks"), "5");
    assert_eq!(attr(&run, "data-plot=\"heatmap\"", "data-gates"), "2");
    assert_eq!(
        run.matches("<rect class=\"cell fail\"").count(),
        2,
        "tests failed in ticks 1 and 3"
    );
    assert_eq!(attr(&run, "data-series=\"alice\"", "data-points"), "3");
    assert_eq!(attr(&run, "data-series=\"bob\"", "data-points"), "2");
    assert_eq!(
        attr(&run, "data-series=\"gates green\"", "data-points"),
        "5"
    );
    assert!(
        run.contains("id=\"stop-reason\">complete</strong>"),
        "{run}"
    );
    assert!(run.contains("id=\"spent\">$1.25</strong>"));
    assert!(run.contains("href=\"/p/done/tick/4\""));

    let tick = server.page("/p/done/tick/4");
    assert!(
        tick.contains("test-only diff reverted in tick 4") && tick.contains("output of tick 4"),
        "{tick}"
    );
    let bugs = server.page("/p/done/bugs");
    assert_eq!(attr(&bugs, "id=\"bugs\"", "data-count"), "4");
    assert_eq!(attr(&bugs, "data-bug=\"BUG-2\"", "data-status"), "invalid");
    assert!(bugs.contains("fixed (fix reverted)"), "{bugs}");
    let diff = server.page("/p/done/diff");
    assert!(
        diff.contains(
            "<span class=\"add\">+<span class=\"kw\">pub</span> <span class=\"kw\">fn</span> parse"
        ),
        "{diff}"
    );
    assert!(diff.contains("<span class=\"com\">// count</span>"));
    let reviews = server.page("/p/done/reviews");
    assert_eq!(attr(&reviews, "id=\"reviews\"", "data-count"), "1");
    let findings = server.page("/p/done/findings");
    assert_eq!(findings.matches("<tr data-kind=").count(), 2);

    let running = server.page("/p/running");
    assert!(
        running.contains("compiling the parser now"),
        "the running peer's output line"
    );
    assert!(
        running.contains("reading the grammar  [2J&lt;b&gt;\ncompiling the parser now"),
        "its last lines, oldest first, controls blanked and escaped: {running}"
    );
    let halted = server.page("/p/halted");
    assert!(halted.contains("peer-unavailable:all"));
    assert_eq!(server.get("/p/nope").0, 404);
    assert_eq!(server.get("/p/done/tick/99").0, 404);
}

#[test]
fn a_live_page_is_told_when_the_run_advances() {
    let server = Server::start(&[]);
    let mut stream = TcpStream::connect(&server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        stream,
        "GET /events?project=running HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n",
        server.addr
    )
    .expect("write");
    let mut reader = BufReader::new(stream);
    let mut seen = String::new();
    while !seen.contains(": connected") {
        reader.read_line(&mut seen).expect("connected");
    }
    assert!(
        seen.to_ascii_lowercase()
            .contains("content-type: text/event-stream"),
        "{seen}"
    );
    fleet_fixture::advance(server.path("running"), 3);
    let mut line = String::new();
    while !line.contains("event: update") {
        line.clear();
        reader
            .read_line(&mut line)
            .expect("an update within the timeout");
    }
    let run = server.page("/p/running");
    assert_eq!(attr(&run, "id=\"ticks\"", "data-count"), "3");
}

#[test]
fn stats_match_the_analytics_computed_by_hand_for_the_fixture_history() {
    let env = CtlEnv::new();
    let (mut stand_in, _) = fleet_fixture::fleet(&env.root().join("fleet"), &env.config_dir());
    let out = env.ok(&["stats", "done", "--json"]);
    let _ = stand_in.kill();
    let _ = stand_in.wait();
    let stats: Value = serde_json::from_str(&out.stdout).expect("json");
    let row = |list: &str, key: &str| -> Value {
        stats[list]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .expect("row")
    };
    // alice: ticks 1, 3, 4 (3 fails) → 2/3; filed BUG-4 (open); fixed BUG-1 (held) and BUG-3
    // (reverted by bob: not held); raised the accepted minor finding; $0.50 + $0.10 + $0.40.
    let alice = row("by_peer", "alice");
    for (key, want) in [
        ("ticks", 3.0),
        ("successful_ticks", 2.0),
        ("bugs_filed", 1.0),
        ("bugs_confirmed", 0.0),
        ("bugs_rejected", 0.0),
        ("fixes", 2.0),
        ("fixes_held", 1.0),
        ("review_findings_accepted", 1.0),
        ("tokens", 3000.0),
        ("cost_usd", 1.0),
        ("cost_per_fix_held", 1.0),
        ("runs", 1.0),
    ] {
        let got = alice[key].as_f64().unwrap_or(f64::NAN);
        assert!(
            (got - want).abs() < 1e-9,
            "alice.{key} = {got}, want {want}"
        );
    }
    assert!((alice["success_rate"].as_f64().expect("rate") - 2.0 / 3.0).abs() < 1e-9);
    // bob: ticks 2, 5; filed BUG-1 (fixed), BUG-2 (invalid), BUG-3 (fixed); raised the
    // important and the minor finding; one soft review ingested; tick 5's cost unknown.
    let bob = row("by_peer", "bob");
    for (key, want) in [
        ("ticks", 2.0),
        ("successful_ticks", 2.0),
        ("success_rate", 1.0),
        ("bugs_filed", 3.0),
        ("bugs_confirmed", 2.0),
        ("bugs_rejected", 1.0),
        ("fixes", 0.0),
        ("fixes_held", 0.0),
        ("review_findings_accepted", 2.0),
        ("soft_reviews_ingested", 1.0),
        ("tokens", 5000.0),
        ("cost_usd", 0.25),
        ("ticks_cost_unknown", 1.0),
    ] {
        let got = bob[key].as_f64().unwrap_or(f64::NAN);
        assert!((got - want).abs() < 1e-9, "bob.{key} = {got}, want {want}");
    }
    assert!(bob["cost_per_fix_held"].is_null());
    assert_eq!(row("by_tool", "claude")["fixes_held"], 1);
    assert_eq!(row("by_tool", "codex")["bugs_filed"], 3);
    assert_eq!(row("by_model", "claude · claude-sonnet-4")["fixes_held"], 1);
    assert_eq!(row("by_model", "codex · default model")["bugs_filed"], 3);
    assert_eq!(row("by_model", "codex · default model")["ticks"], 2);
    let text = env.ok(&["stats", "done"]).stdout;
    assert!(text.contains("alice") && text.contains("$1.00"), "{text}");
}
