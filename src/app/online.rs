//! `check --online`: the links table and the deployed copy's mismatches, as text or JSON.

use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use super::cli::OnlineCheck;
use crate::online::client::{self, Redirects};
use crate::online::{deployed, links};
use crate::publish::Checked;

/// How many requests run at once.
const JOBS: usize = 8;

/// The whole link check's time limit: a link not done by then is reported, not waited for.
const LINKS_RUN_LIMIT: Duration = Duration::from_secs(120);

/// What `check --online` found.
#[derive(Debug, Serialize)]
pub(super) struct OnlineSummary {
    /// Each external link's status, when links were checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<links::LinkReport>>,
    /// Each mismatch of the deployed copy, when it was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed: Option<Vec<String>>,
}

impl OnlineSummary {
    /// Whether the result makes `check` exit 1: a deployed copy that does not match, or with
    /// `strict` a broken or moved link.
    pub fn fails(&self, strict: bool) -> bool {
        let deployed = self.deployed.as_ref().is_some_and(|p| !p.is_empty());
        let links = self.links.as_ref().is_some_and(|reports| {
            let (broken, moved) = links::counts(reports);
            broken + moved > 0
        });
        deployed || (strict && links)
    }
}

/// Runs the online checks `what` asks for on the checked project.
pub(super) fn check(
    checked: &Checked,
    what: OnlineCheck,
    timeout: Duration,
) -> Result<OnlineSummary> {
    let project = &checked.project;
    let runtime = client::runtime()?;
    let links = match what {
        OnlineCheck::All | OnlineCheck::Links => {
            let now = crate::publish::now_from_environment()?;
            let found = links::external_links(&project.config.cycle, &checked.reports, now);
            let client = client::client(timeout, Redirects::Report)?;
            let options = links::LinkOptions {
                jobs: JOBS,
                timeout,
                run_limit: LINKS_RUN_LIMIT,
            };
            Some(runtime.block_on(links::check_links(&client, &found, options)))
        }
        OnlineCheck::Deployed => None,
    };
    let deployed = match what {
        OnlineCheck::All | OnlineCheck::Deployed => {
            let local = deployed::load_local_feed(&project.config.root.join("feed"))?;
            let client = client::client(timeout, Redirects::Follow)?;
            let base_url = &project.config.cycle.podcast.base_url;
            Some(runtime.block_on(deployed::check_deployed(
                &client, base_url, &local, timeout, JOBS,
            )))
        }
        OnlineCheck::Links => None,
    };
    Ok(OnlineSummary { links, deployed })
}

/// Prints the summary on standard error: a table of the broken and moved links, then each
/// mismatch of the deployed copy.
pub(super) fn print(summary: &OnlineSummary, base_url: &url::Url) {
    if let Some(reports) = &summary.links {
        for report in reports {
            let (state, detail) = match &report.status {
                links::LinkStatus::Ok => continue,
                links::LinkStatus::Moved { first, to } => ("moved", format!("{first} → {to}")),
                links::LinkStatus::Broken { reason } => ("broken", reason.clone()),
            };
            eprintln!(
                "warning: {state:<6} {}  {detail}  [{}]",
                report.url,
                report.found.join(", ")
            );
        }
        let (broken, moved) = links::counts(reports);
        eprintln!(
            "links: {} checked, {broken} broken, {moved} moved",
            reports.len()
        );
    }
    if let Some(problems) = &summary.deployed {
        for problem in problems {
            eprintln!("error: {problem}");
        }
        let shown = crate::model::text::printable(base_url.as_str());
        if problems.is_empty() {
            eprintln!("deployed: the copy at {shown} matches the local feed");
        } else {
            eprintln!(
                "deployed: {} mismatch{} at {shown}",
                problems.len(),
                if problems.len() == 1 { "" } else { "es" }
            );
        }
    }
}
