//! The pages in a real browser (headless Chromium over the DevTools protocol): the fixture
//! fleet's pages render with the right elements, numbers and plot point counts (counted from
//! the rendered SVG), links are followed, a live page updates when the simulated run advances,
//! and screenshots are saved as test artefacts. Skips with a message only when Chromium is
//! absent and CI is not `true`.

use std::path::PathBuf;

use serde_json::json;

use super::cdp::{Browser, chromium};
use super::fleet_fixture;
use super::serve_rig::{Server, TOKEN};

fn artefacts() -> PathBuf {
    std::env::var_os("PEERS_TEST_ARTEFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")))
        .join("serve-browser")
}

#[test]
fn the_fixture_fleet_renders_links_work_and_a_running_page_updates_live_in_chromium() {
    let Some(program) = chromium() else {
        return;
    };
    let server = Server::start(&["--actions"]);
    let mut browser = Browser::launch(&program);
    let base = format!("http://{}", server.addr);
    let shots = artefacts();

    // The token once in the URL; the cookie carries it from then on.
    browser.open(&format!("{base}/?token={TOKEN}"), "/");
    assert_eq!(
        browser.eval("document.querySelectorAll('#fleet tbody tr').length"),
        json!(4)
    );
    for (name, state) in [
        ("done", "stopped"),
        ("halted", "halted"),
        ("crashed", "crashed"),
        ("running", "running"),
    ] {
        let cell = browser.eval(&format!(
            "document.querySelector('tr[data-project={name}] td[data-col=state]').textContent"
        ));
        assert!(
            cell.as_str().is_some_and(|t| t.starts_with(state)),
            "{name}: {cell}"
        );
    }
    assert_eq!(
        browser
            .eval("document.querySelector('tr[data-project=done] td[data-col=cost]').textContent"),
        json!("$1.25")
    );
    browser.screenshot(&shots, "fleet");

    // Sorting by following the column link.
    browser.eval("document.querySelector('th[data-col=cost] a').click()");
    browser.wait_for("sorted by cost", "location.search.includes('sort=cost')");
    browser.wait_for("loaded", "document.readyState === 'complete'");
    browser.eval("document.querySelector('th[data-col=cost] a').click()");
    browser.wait_for(
        "sorted descending",
        "location.search.includes('desc=1') && document.readyState === 'complete'",
    );
    assert_eq!(
        browser.eval("document.querySelector('#fleet tbody tr').dataset.project"),
        json!("done")
    );

    // The finished run: follow the link from the fleet.
    browser.eval("document.querySelector('tr[data-project=done] a').click()");
    browser.wait_for(
        "the run page",
        "location.pathname === '/p/done' && document.readyState === 'complete'",
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('#ticks tbody tr').length"),
        json!(5)
    );
    assert_eq!(
        browser.eval("document.getElementById('stop-reason').textContent"),
        json!("complete")
    );
    // Points as the browser parsed them, and a plot that has a size on screen.
    assert_eq!(
        browser.eval("document.querySelector('polyline[data-series=alice]').points.numberOfItems"),
        json!(3)
    );
    assert_eq!(browser.eval("document.querySelector('svg[data-plot=tokens] polyline[data-series=bob]').points.numberOfItems"), json!(2));
    assert_eq!(
        browser.eval(
            "document.querySelector('svg[data-plot=gates-green] polyline').points.numberOfItems"
        ),
        json!(5)
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('svg[data-plot=heatmap] rect').length"),
        json!(10)
    );
    assert_eq!(
        browser.eval(
            "document.querySelector('svg[data-plot=cost]').getBoundingClientRect().width > 200"
        ),
        json!(true)
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('form.action button').length"),
        json!(3)
    );
    browser.screenshot(&shots, "run-done");

    // A tick, like `peers replay`.
    browser.eval("document.querySelector('a[href=\"/p/done/tick/4\"]').click()");
    browser.wait_for(
        "the tick page",
        "location.pathname === '/p/done/tick/4' && document.readyState === 'complete'",
    );
    assert_eq!(
        browser.eval("document.getElementById('stdout-tail').textContent"),
        json!("output of tick 4")
    );
    browser.screenshot(&shots, "tick");

    for (path, check) in [
        (
            "/p/done/diff",
            "document.querySelectorAll('#diff .kw').length > 0 && document.querySelectorAll('#diff .add').length > 0",
        ),
        (
            "/p/done/bugs",
            "document.querySelectorAll('#bugs tbody tr').length === 4",
        ),
        (
            "/p/done/reviews",
            "document.querySelectorAll('#reviews tbody tr').length === 1",
        ),
        (
            "/p/halted",
            "document.getElementById('stop-reason').textContent === 'peer-unavailable:all'",
        ),
        (
            "/p/crashed",
            "document.getElementById('state').textContent === 'crashed'",
        ),
        (
            "/stats",
            "document.querySelector('#by-peer tr[data-key=alice] td[data-col=held]').textContent === '1'",
        ),
    ] {
        browser.open(&format!("{base}{path}"), path);
        assert_eq!(browser.eval(check), json!(true), "{path}: {check}");
        browser.screenshot(&shots, &path.trim_start_matches('/').replace('/', "-"));
    }

    // Live: the running project's page is told when its run advances and swaps its content.
    browser.open(&format!("{base}/p/running"), "/p/running");
    browser.wait_for(
        "the event stream",
        "document.getElementById('live-state').textContent.startsWith('live')",
    );
    assert_eq!(
        browser.eval("document.querySelectorAll('#ticks tbody tr').length"),
        json!(2)
    );
    assert_eq!(
        browser.eval("document.getElementById('output-tail').textContent"),
        json!("reading the grammar  [2J<b>\ncompiling the parser now"),
        "the running peer's last lines, oldest first, controls blanked"
    );
    fleet_fixture::advance(server.path("running"), 3);
    browser.wait_for(
        "the live update",
        "document.querySelectorAll('#ticks tbody tr').length === 3",
    );
    assert_eq!(
        browser.eval("document.querySelector('polyline[data-series=alice]').points.numberOfItems"),
        json!(2)
    );
    assert_eq!(
        browser.eval("Number(document.body.dataset.updates) >= 1"),
        json!(true)
    );
    browser.screenshot(&shots, "run-running-after-update");
    eprintln!("screenshots in {}", shots.display());
}
