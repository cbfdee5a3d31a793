//! One request: authenticate (token by header, cookie, or once by `?token=` which sets the
//! cookie and redirects), route, render, and add the security headers. POSTs (actions) also need
//! the CSRF form field, a same-origin `Origin` when the browser sends one, and actions enabled.

use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt as _, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::app::{App, Body, full};
use crate::auth::{COOKIE, cookie, form_value, percent_decode};
use crate::html::{APP_CSS, APP_JS, escape, url_part};
use crate::pages::{self, Context};
use crate::source::{ActionError, ProjectEntry, SourceAction};

/// Largest POST body read.
const FORM_CAP: usize = 8 * 1024;
const CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn respond(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn html(status: StatusCode, body: String) -> Response<Body> {
    respond(status, "text/html; charset=utf-8", body)
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    respond(status, "text/plain; charset=utf-8", body.to_owned())
}

fn redirect(location: &str) -> Response<Body> {
    let mut response = respond(StatusCode::SEE_OTHER, "text/plain; charset=utf-8", "");
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The request's token, from the bearer header or the cookie.
fn presented_token(request: &Request<Incoming>) -> Option<String> {
    let headers = request.headers();
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim().to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| cookie(v, COOKIE).map(str::to_owned))
}

fn unauthorised() -> Response<Body> {
    let mut response = html(
        StatusCode::UNAUTHORIZED,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>401 · peers</title></head><body><h1>401: a token is needed</h1><p>Open the address printed when the server started (it ends in <code>?token=…</code>), or send <code>Authorization: Bearer TOKEN</code>.</p></body></html>".to_owned(),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"peers\""),
    );
    response
}

pub async fn handle(app: Arc<App>, request: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    if let Some(token) = form_value(&query, "token") {
        if !app.tokens.access_matches(&token) {
            return unauthorised();
        }
        let rest: Vec<&str> = query
            .split('&')
            .filter(|p| !p.starts_with("token="))
            .collect();
        let location = if rest.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", rest.join("&"))
        };
        let mut response = redirect(&location);
        if let Ok(value) = HeaderValue::from_str(&format!(
            "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
            app.tokens.access()
        )) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        return response;
    }
    if !presented_token(&request).is_some_and(|token| app.tokens.access_matches(&token)) {
        return unauthorised();
    }
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let mut response = if request.method() == Method::POST {
        match segments.as_slice() {
            ["p", name, "action", action] => {
                let (name, action) = ((*name).to_owned(), (*action).to_owned());
                post_action(&app, request, &name, &action).await
            }
            _ => text(StatusCode::METHOD_NOT_ALLOWED, "only actions accept POST"),
        }
    } else if request.method() == Method::GET || request.method() == Method::HEAD {
        match segments.as_slice() {
            ["assets", "app.css"] => respond(StatusCode::OK, "text/css; charset=utf-8", APP_CSS),
            ["assets", "app.js"] => {
                respond(StatusCode::OK, "text/javascript; charset=utf-8", APP_JS)
            }
            ["events"] => crate::sse::stream(Arc::clone(&app), form_value(&query, "project")),
            _ => {
                let app = Arc::clone(&app);
                let owned: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
                tokio::task::spawn_blocking(move || get_page(&app, &owned, &query))
                    .await
                    .unwrap_or_else(|_| {
                        text(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "the page failed to render",
                        )
                    })
            }
        }
    } else {
        text(StatusCode::METHOD_NOT_ALLOWED, "GET, HEAD and POST only")
    };
    let micros = started.elapsed().as_micros();
    if let Ok(value) = HeaderValue::from_str(&format!("render;dur={:.3}", micros as f64 / 1000.0)) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

fn find(app: &App, name: &str) -> Result<ProjectEntry, Response<Body>> {
    match app.source.projects() {
        Ok(projects) => projects
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                html(
                    StatusCode::NOT_FOUND,
                    pages::not_found(&format!("no project named {name:?}")),
                )
            }),
        Err(err) => Err(text(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot list the projects: {err}"),
        )),
    }
}

fn get_page(app: &App, segments: &[String], query: &str) -> Response<Body> {
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let actions: Vec<SourceAction> = if app.actions_enabled {
        app.actions.supported().to_vec()
    } else {
        Vec::new()
    };
    let context = Context {
        csrf: app.tokens.csrf(),
        actions: &actions,
    };
    match segments.as_slice() {
        [] => match app.source.projects() {
            Ok(projects) => html(StatusCode::OK, pages::fleet::render(projects, query)),
            Err(err) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("cannot list the projects: {err}"),
            ),
        },
        ["stats"] | ["stats.json"] => match app.source.projects() {
            Ok(projects) => {
                let (records, _problems) = crate::stats::gather(&projects);
                let stats = crate::stats::collect_stats(&records);
                if segments == ["stats.json"] {
                    respond(
                        StatusCode::OK,
                        "application/json",
                        serde_json::to_string_pretty(&stats).unwrap_or_default(),
                    )
                } else {
                    html(StatusCode::OK, pages::stats::render(&stats))
                }
            }
            Err(err) => text(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("cannot list the projects: {err}"),
            ),
        },
        ["p", name, rest @ ..] => {
            let entry = match find(app, name) {
                Ok(entry) => entry,
                Err(response) => return response,
            };
            match rest {
                [] => html(StatusCode::OK, pages::run::render(&entry, &context)),
                ["diff"] => html(StatusCode::OK, pages::project::diff(&entry)),
                ["bugs"] => html(StatusCode::OK, pages::project::bugs(&entry)),
                ["reviews"] => html(StatusCode::OK, pages::project::reviews(&entry)),
                ["findings"] => html(StatusCode::OK, pages::project::findings(&entry)),
                ["tick", n] => match n.parse::<u64>().map(|n| pages::tick::render(&entry, n)) {
                    Ok(Ok(Some(page))) => html(StatusCode::OK, page),
                    Ok(Ok(None)) | Err(_) => html(
                        StatusCode::NOT_FOUND,
                        pages::not_found(&format!("no tick {n} in {}'s run log", entry.name)),
                    ),
                    Ok(Err(err)) => text(StatusCode::INTERNAL_SERVER_ERROR, &err.to_string()),
                },
                _ => html(StatusCode::NOT_FOUND, pages::not_found("no such page")),
            }
        }
        _ => html(StatusCode::NOT_FOUND, pages::not_found("no such page")),
    }
}

async fn post_action(
    app: &Arc<App>,
    request: Request<Incoming>,
    name: &str,
    action: &str,
) -> Response<Body> {
    if !app.actions_enabled {
        return text(
            StatusCode::FORBIDDEN,
            "this server is read-only; start it with --actions to stop, start or revive from the browser",
        );
    }
    let Some(action) = SourceAction::parse(action).filter(|a| app.actions.supported().contains(a))
    else {
        return text(StatusCode::NOT_FOUND, "no such action here");
    };
    let headers = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if origin != format!("http://{host}") {
            return text(
                StatusCode::FORBIDDEN,
                "refused: the request came from another origin",
            );
        }
    }
    let form = match Limited::new(request.into_body(), FORM_CAP).collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(_) => return text(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large"),
    };
    if !form_value(&form, "csrf").is_some_and(|csrf| app.tokens.csrf_matches(&csrf)) {
        return text(
            StatusCode::FORBIDDEN,
            "refused: the CSRF token is missing or wrong (reload the page and try again)",
        );
    }
    let entry = match find(app, name) {
        Ok(entry) => entry,
        Err(response) => return response,
    };
    let worker = Arc::clone(app);
    let outcome = tokio::task::spawn_blocking(move || worker.actions.run(action, &entry))
        .await
        .unwrap_or(Err(ActionError::Lost));
    let (status, heading, message) = match outcome {
        Ok(message) => (StatusCode::OK, format!("{} done", action.as_str()), message),
        Err(err) => (
            StatusCode::CONFLICT,
            format!("{} failed", action.as_str()),
            err.to_string(),
        ),
    };
    html(
        status,
        crate::html::page(
            &crate::html::Shell {
                title: &heading,
                live: None,
            },
            &format!(
                r#"<h1>{}</h1><pre id="action-result">{}</pre><p><a href="/p/{}">Back to {}</a></p>"#,
                escape(&heading),
                escape(&message),
                url_part(name),
                escape(name)
            ),
        ),
    )
}
