//! `doctor`'s checks of the clusters Kubernetes projects run in, once per (context, namespace):
//! the kubeconfig loads and has the context, the API server answers, the namespace exists, and
//! the user may do what peers-ctl does there (one SelfSubjectAccessReview per verb and
//! resource). Each failure names the kubectl command that fixes or shows it.

use crate::backend::client::Cluster;
use crate::backend::kubernetes::by_cluster;
use crate::backend::teardown::kubectl;
use crate::commands::doctor::{Check, Status, check};
use crate::registry::Project;

/// The verbs peers-ctl uses on each object kind it manages.
const VERBS: [&str; 5] = ["create", "patch", "delete", "list", "watch"];
/// The object kinds peers-ctl manages: (API group, resource, `kubectl create role` name).
const RESOURCES: [(&str, &str, &str); 5] = [
    ("", "configmaps", "configmaps"),
    ("batch", "jobs", "jobs.batch"),
    ("", "pods", "pods"),
    ("", "persistentvolumeclaims", "persistentvolumeclaims"),
    (
        "networking.k8s.io",
        "networkpolicies",
        "networkpolicies.networking.k8s.io",
    ),
];

/// The checks of every (context, namespace) the registered Kubernetes projects use.
pub fn cluster_checks(projects: &[Project]) -> Vec<Check> {
    let mut checks = Vec::new();
    for ((context, namespace), members) in by_cluster(projects) {
        let Some((_, target)) = members.first() else {
            continue;
        };
        let names: Vec<&str> = members.iter().map(|(p, _)| p.name.as_str()).collect();
        let label = format!(
            "kubernetes {}/{namespace}",
            context.as_deref().unwrap_or("(current context)")
        );
        let kubectl = kubectl(context.as_deref(), &namespace);
        let kubectl_context = context
            .as_deref()
            .map_or("kubectl".to_owned(), |c| format!("kubectl --context {c}"));
        let cluster = match Cluster::connect(target) {
            Ok(cluster) => {
                checks.push(check(
                    format!("{label} kubeconfig"),
                    Status::Ok,
                    format!("{} (for {})", cluster.server, names.join(", ")),
                    None,
                ));
                cluster
            }
            Err(err) => {
                checks.push(check(
                    format!("{label} kubeconfig"),
                    Status::Fail,
                    err.message,
                    err.hints.first().cloned(),
                ));
                continue;
            }
        };
        match cluster.server_version() {
            Ok(version) => checks.push(check(
                format!("{label} api server"),
                Status::Ok,
                format!("{version} at {}", cluster.server),
                None,
            )),
            Err(err) => {
                checks.push(check(
                    format!("{label} api server"),
                    Status::Fail,
                    err.message,
                    Some(format!(
                        "check the cluster is up and reachable: {} get --raw /version",
                        kubectl_context
                    )),
                ));
                continue;
            }
        }
        match cluster.namespace_exists() {
            Ok(Some(true)) => checks.push(check(
                format!("{label} namespace"),
                Status::Ok,
                format!("{namespace} exists"),
                None,
            )),
            Ok(Some(false)) => {
                checks.push(check(
                    format!("{label} namespace"),
                    Status::Fail,
                    format!("namespace {namespace} does not exist"),
                    Some(format!(
                        "create it: {} create namespace {namespace}",
                        kubectl_context
                    )),
                ));
                continue;
            }
            Ok(None) => checks.push(check(
                format!("{label} namespace"),
                Status::Warn,
                format!("may not read namespace {namespace} (forbidden); checking permissions"),
                None,
            )),
            Err(err) => checks.push(check(
                format!("{label} namespace"),
                Status::Fail,
                err.message,
                err.hints.first().cloned(),
            )),
        }
        checks.push(permissions_check(&cluster, &label, &kubectl));
    }
    checks
}

/// One SelfSubjectAccessReview per verb and resource peers-ctl needs; a failure names the
/// denied ones and the `kubectl create role` that grants them.
fn permissions_check(cluster: &Cluster, label: &str, kubectl: &str) -> Check {
    let label = format!("{label} permissions");
    let mut wanted: Vec<(&str, &str, &str, String)> = Vec::new();
    for (group, resource, role_name) in RESOURCES {
        for verb in VERBS {
            wanted.push((verb, group, resource, role_name.to_owned()));
        }
    }
    wanted.push(("get", "", "pods/log", "pods/log".to_owned()));
    let mut denied: Vec<(String, &str, String)> = Vec::new();
    for (verb, group, resource, role_name) in &wanted {
        match cluster.can_i(verb, group, resource) {
            Ok(true) => {}
            Ok(false) => denied.push((format!("{verb} {resource}"), verb, role_name.clone())),
            Err(err) => {
                return check(
                    label,
                    Status::Fail,
                    format!("cannot ask the API server what is allowed: {}", err.message),
                    Some(format!("check by hand: {kubectl} auth can-i --list")),
                );
            }
        }
    }
    if denied.is_empty() {
        return check(
            label,
            Status::Ok,
            format!(
                "{} on {}; get pods/log",
                VERBS.join(", "),
                RESOURCES.map(|(_, r, _)| r).join(", ")
            ),
            None,
        );
    }
    let mut verbs: Vec<&str> = Vec::new();
    let mut resources: Vec<&str> = Vec::new();
    for (_, verb, resource) in &denied {
        if !verbs.contains(verb) {
            verbs.push(verb);
        }
        if !resources.contains(&resource.as_str()) {
            resources.push(resource);
        }
    }
    let what: Vec<&str> = denied.iter().map(|(w, _, _)| w.as_str()).collect();
    check(
        label,
        Status::Fail,
        format!("denied: {}", what.join(", ")),
        Some(format!(
            "grant them, e.g. {kubectl} create role peers-ctl --verb={} --resource={} && {kubectl} create rolebinding peers-ctl --role=peers-ctl --user=<your user> (check: {kubectl} auth can-i {})",
            verbs.join(","),
            resources.join(","),
            what.first().copied().unwrap_or("list pods")
        )),
    )
}
