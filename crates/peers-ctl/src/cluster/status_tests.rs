//! Status over fixtures: each case a real-shaped object as the API server returns it.

use super::*;

fn load<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).unwrap()
}

fn anchor(desired: &str, last_stop: Option<&str>) -> ConfigMap {
    let mut anchor: ConfigMap = load(include_str!("fixtures/anchor.json"));
    let annotations = anchor.metadata.annotations.get_or_insert_default();
    annotations.insert(names::DESIRED.into(), desired.into());
    if let Some(reason) = last_stop {
        annotations.insert(names::LAST_STOP.into(), reason.into());
    }
    anchor
}

fn observed(job: Option<&str>, pods: &[&str]) -> ClusterObjects {
    ClusterObjects {
        anchor: Some(anchor("running", None)),
        jobs: job.map(|j| vec![load(j)]).unwrap_or_default(),
        pods: pods.iter().map(|p| load(p)).collect(),
        volume: None,
    }
}

const ACTIVE: &str = include_str!("fixtures/job_active.json");
const RUNNING: &str = include_str!("fixtures/pod_running.json");
const EVICTED: &str = include_str!("fixtures/pod_evicted.json");
const OOM: &str = include_str!("fixtures/pod_oom.json");
const PULL: &str = include_str!("fixtures/pod_image_pull.json");
const UNSCHEDULABLE: &str = include_str!("fixtures/pod_unschedulable.json");
const COMPLETE_POD: &str = include_str!("fixtures/pod_complete.json");

#[test]
fn a_running_pod_is_running() {
    let status = status(&observed(Some(ACTIVE), &[RUNNING]));
    assert_eq!(status.phase, Phase::Running, "{status:?}");
    assert_eq!(status.job.as_deref(), Some("peers-demo-2"));
    assert_eq!(status.pod.as_deref(), Some("peers-demo-2-abcde"));
}

#[test]
fn an_evicted_pod_is_replaced_not_failed() {
    let status = status(&observed(Some(ACTIVE), &[EVICTED]));
    assert_eq!(status.phase, Phase::Starting, "{status:?}");
    let detail = status.detail.unwrap();
    assert!(
        detail.contains("TerminationByKubelet") && detail.contains("resumes"),
        "{detail}"
    );
}

#[test]
fn image_pull_backoff_names_the_image_and_the_flag() {
    let status = status(&observed(Some(ACTIVE), &[PULL]));
    assert_eq!(status.phase, Phase::Starting);
    assert!(status.detail.unwrap().contains("ImagePullBackOff"));
    assert!(status.hint.unwrap().contains("--image"));
}

#[test]
fn oom_killed_retries_then_fails_with_the_reason() {
    let retrying = status(&observed(Some(ACTIVE), &[OOM]));
    assert_eq!(retrying.phase, Phase::Starting);
    assert!(retrying.detail.unwrap().contains("OOMKilled"));
    let failed = status(&observed(
        Some(include_str!("fixtures/job_backoff.json")),
        &[OOM],
    ));
    assert_eq!(failed.phase, Phase::Failed);
    assert!(failed.detail.unwrap().starts_with("OOMKilled"));
    assert!(failed.hint.unwrap().contains("memory"));
}

#[test]
fn unschedulable_shows_the_scheduler_message() {
    let status = status(&observed(Some(ACTIVE), &[UNSCHEDULABLE]));
    assert_eq!(status.phase, Phase::Starting);
    assert!(status.detail.unwrap().contains("Insufficient memory"));
}

#[test]
fn deadline_exceeded_fails_with_the_reason() {
    let status = status(&observed(
        Some(include_str!("fixtures/job_deadline.json")),
        &[],
    ));
    assert_eq!(status.phase, Phase::Failed);
    assert!(status.detail.unwrap().starts_with("deadline exceeded"));
}

#[test]
fn a_suspended_job_under_kueue_is_queued() {
    let status = status(&observed(
        Some(include_str!("fixtures/job_suspended.json")),
        &[],
    ));
    assert_eq!(status.phase, Phase::Queued);
    assert!(status.detail.unwrap().contains("team-a"));
}

#[test]
fn a_complete_job_carries_the_termination_message() {
    let status = status(&observed(
        Some(include_str!("fixtures/job_complete.json")),
        &[COMPLETE_POD],
    ));
    assert_eq!(status.phase, Phase::Complete);
    assert_eq!(
        status.detail.as_deref(),
        Some("complete: every hard gate green")
    );
}

#[test]
fn pods_of_an_older_session_do_not_count_as_the_current_one() {
    let mut old: Pod = load(RUNNING);
    old.metadata
        .labels
        .get_or_insert_default()
        .insert(names::GENERATION.into(), "1".into());
    let mut observed = observed(Some(ACTIVE), &[]);
    observed.pods.push(old);
    let status = status(&observed);
    assert_eq!(status.phase, Phase::Starting, "{status:?}");
    assert_eq!(status.pod, None);
}

#[test]
fn no_run_record_is_fresh_or_unknown_never_stopped() {
    assert_eq!(status(&ClusterObjects::default()).phase, Phase::Fresh);
    let mut orphan = observed(Some(ACTIVE), &[RUNNING]);
    orphan.anchor = None;
    assert_eq!(status(&orphan).phase, Phase::Unknown);
}

/// Every combination of desired state, job and pod: none with a live pod maps to `stopped`.
#[test]
fn nothing_with_a_live_pod_is_stopped() {
    let jobs = [
        None,
        Some(ACTIVE),
        Some(include_str!("fixtures/job_deadline.json")),
        Some(include_str!("fixtures/job_backoff.json")),
        Some(include_str!("fixtures/job_suspended.json")),
        Some(include_str!("fixtures/job_complete.json")),
    ];
    let pods = [RUNNING, EVICTED, OOM, PULL, UNSCHEDULABLE, COMPLETE_POD];
    let mut seen = 0;
    for desired in ["running", "stopped"] {
        for last_stop in [None, Some("interrupted"), Some("complete")] {
            for job in jobs {
                for subset in 0..(1u32 << pods.len()) {
                    let chosen: Vec<&str> = (0..pods.len())
                        .filter(|i| subset & (1 << i) != 0)
                        .map(|i| pods[i])
                        .collect();
                    let mut case = observed(job, &chosen);
                    case.anchor = Some(anchor(desired, last_stop));
                    let live = case.pods.iter().any(is_live);
                    let got = status(&case);
                    if live {
                        seen += 1;
                        assert_ne!(got.phase, Phase::Stopped, "{desired} {job:?} {chosen:?}");
                    }
                    if desired == "stopped" && live {
                        assert_eq!(got.phase, Phase::Stopping);
                    }
                }
            }
        }
    }
    assert!(seen > 100, "{seen}");
}

#[test]
fn phase_names_match_their_json() {
    for phase in [
        Phase::Fresh,
        Phase::Queued,
        Phase::Starting,
        Phase::Running,
        Phase::Stopping,
        Phase::Stopped,
        Phase::Complete,
        Phase::Failed,
        Phase::Unknown,
    ] {
        assert_eq!(serde_json::to_value(phase).unwrap(), phase.as_str());
    }
}

#[test]
fn objects_group_by_their_run_label_and_only_the_named_anchor_is_the_record() {
    let mut other: Pod = load(RUNNING);
    other.metadata.name = Some("peers-other-1-x".into());
    other
        .metadata
        .labels
        .get_or_insert_default()
        .insert(names::RUN.into(), "other".into());
    let mut stray = anchor("running", None);
    stray.metadata.name = Some("peers-demo-status".into());
    let mut unlabelled: Pod = load(RUNNING);
    unlabelled.metadata.labels = None;
    let runs = ClusterObjects::by_run(
        [stray, anchor("running", None)],
        [load::<Job>(ACTIVE)],
        [load::<Pod>(RUNNING), other, unlabelled],
        [],
    );
    assert_eq!(runs.keys().collect::<Vec<_>>(), ["demo", "other"]);
    let demo = &runs["demo"];
    assert_eq!(
        demo.anchor
            .as_ref()
            .and_then(|a| a.metadata.name.as_deref()),
        Some("peers-demo")
    );
    assert_eq!((demo.jobs.len(), demo.pods.len()), (1, 1));
    assert_eq!(status(demo).phase, Phase::Running);
    let other = &runs["other"];
    assert!(other.anchor.is_none() && other.jobs.is_empty());
    assert_eq!(
        status(other).phase,
        Phase::Unknown,
        "a pod without its run record"
    );
}

#[test]
fn a_loop_that_paused_at_the_checkpoint_is_stopped_waiting_not_failed() {
    let job = include_str!("fixtures/job_backoff.json").replace(
        r#""reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit""#,
        r#""reason":"PodFailurePolicy","message":"Container loop for pod peers/peers-demo-2-uvwxy failed with exit code 3 matching FailJob rule at index 1""#,
    );
    let pod = COMPLETE_POD
        .replace(r#""phase":"Succeeded""#, r#""phase":"Failed""#)
        .replace(
            r#""exitCode":0,"reason":"Completed","message":"complete: every hard gate green""#,
            r#""exitCode":3,"reason":"Error","message":"checkpoint 2026-12-07T10:20:00Z\n""#,
        );
    assert!(job.contains("PodFailurePolicy") && pod.contains("exitCode\":3"));
    let status = status(&observed(Some(&job), &[&pod]));
    assert_eq!(status.phase, Phase::Stopped);
    assert!(status.detail.unwrap().starts_with("checkpoint"));
    let hint = status.hint.unwrap();
    assert!(
        hint.starts_with("waiting for you at the architecture checkpoint")
            && hint.contains("ARCHITECTURE.intended.md"),
        "{hint}"
    );
}
