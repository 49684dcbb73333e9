//! A deploy to an S3-compatible store (AWS S3, Scaleway, OVH, Garage, MinIO, Ceph) through
//! `object_store`.
//!
//! The store is read from the standard AWS environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`) or `[deploy] endpoint`; an
//! endpoint given means path-style requests, and plain HTTP when it says `http://`. Every
//! request has a timeout and few retries: a store that does not answer fails the deploy
//! within a minute or two, never hangs it.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, ClientOptions, ObjectStore, ObjectStoreExt, PutMultipartOptions,
    PutOptions, PutPayload, RetryConfig, WriteMultipart,
};

use super::plan::{LocalFile, PHASES};
use super::record::{DeployRecord, Sent};
use super::{DeployOptions, Report};
use crate::support::progress::Progress;

/// Files larger than this go up in parts of this size, at most two parts in flight: the
/// memory a deploy needs stays bounded whatever an episode's size.
const PART_SIZE: usize = 8 * 1024 * 1024;

/// How many parts of one file may be on their way at once.
const PARTS_IN_FLIGHT: usize = 2;

/// A store and where its keys start.
struct Store {
    client: AmazonS3,
    bucket: String,
    prefix: String,
}

impl Store {
    fn key(&self, path: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(path)
        } else {
            Key::from(format!("{}/{path}", self.prefix))
        }
    }

    /// `s3://BUCKET/PREFIX/PATH`, for messages.
    fn describe(&self, path: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.key(path))
    }

    /// One line naming the store, the object and what went wrong (the store's own answer,
    /// on one line, without control characters).
    fn failed(&self, action: &str, path: &str, error: object_store::Error) -> anyhow::Error {
        let reason = match &error {
            object_store::Error::NotFound { .. } => "no such object or bucket".to_string(),
            object_store::Error::PermissionDenied { .. } => "access denied".to_string(),
            object_store::Error::Unauthenticated { .. } => {
                "the credentials were refused".to_string()
            }
            _ => store_answer(&error.to_string()),
        };
        let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
        anyhow!(
            "failed to {action} `{}`: {}",
            self.describe(path),
            crate::model::text::printable(&reason)
        )
    }
}

/// What a store answered, in words. object_store reports a refused listing as a generic error
/// that holds the HTTP status and the store's XML answer (Garage, for a wrong secret:
/// `403 Forbidden: <?xml …><Error><Code>AccessDenied</Code><Message>Forbidden: Invalid
/// signature</Message>…`): the status says what happened, the code and message why.
fn store_answer(error: &str) -> String {
    let element = |name: &str| {
        let (_, rest) = error.split_once(&format!("<{name}>"))?;
        let (value, _) = rest.split_once(&format!("</{name}>"))?;
        Some(value.trim().to_string())
    };
    let what = if error.contains("403 Forbidden") {
        Some("access denied")
    } else if error.contains("401 Unauthorized") {
        Some("the credentials were refused")
    } else {
        None
    };
    match (what, element("Code"), element("Message")) {
        (Some(what), Some(code), Some(message)) => format!("{what} ({code}: {message})"),
        (Some(what), Some(code), None) => format!("{what} ({code})"),
        (Some(what), None, _) => what.to_string(),
        (None, Some(code), Some(message)) => format!("{code}: {message}"),
        _ => error.to_string(),
    }
}

/// Deploys `files` to `prefix` in `bucket` (see the module's doc).
pub fn deploy(
    options: &DeployOptions,
    bucket: &str,
    prefix: &str,
    files: &[LocalFile],
    progress: &Progress,
) -> Result<Report> {
    let store = Store {
        client: client(bucket, options.endpoint.as_ref())?,
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.jobs.clamp(1, 8))
        .enable_all()
        .build()
        .context("failed to start the deploy's runtime")?;
    runtime.block_on(deploy_async(options, &store, files, progress))
}

/// The client of `bucket`, from the AWS environment and `endpoint`.
fn client(bucket: &str, endpoint: Option<&url::Url>) -> Result<AmazonS3> {
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        // Without keys object_store would ask the cloud's instance metadata service instead.
        bail!(
            "no credentials for `s3://{bucket}`: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        );
    }
    crate::online::client::install_tls();
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(10))
                .with_timeout(Duration::from_secs(120)),
        )
        .with_retry(RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(60),
            ..RetryConfig::default()
        });
    if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none()
    {
        builder = builder.with_region("us-east-1");
    }
    let endpoint = endpoint
        .map(url::Url::to_string)
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
    if let Some(endpoint) = endpoint {
        builder = builder
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false)
            .with_endpoint(endpoint.trim_end_matches('/'));
    }
    builder
        .build()
        .map_err(|e| anyhow!("cannot use `s3://{bucket}`: {e}"))
}

async fn deploy_async(
    options: &DeployOptions,
    store: &Store,
    files: &[LocalFile],
    progress: &Progress,
) -> Result<Report> {
    let destination = options.destination.describe();
    let mut record = DeployRecord::load(&options.project, &destination)?;
    let listed = list(store).await?;
    let hashes = hash_files(options, files)?;
    let mut report = Report {
        destination,
        dry_run: options.dry_run,
        ..Report::default()
    };
    for phase in PHASES {
        let due: Vec<(&LocalFile, &String)> = files
            .iter()
            .zip(&hashes)
            .filter(|(f, _)| f.phase == phase)
            .filter(|(f, hash)| {
                let same = is_up_to_date(record.objects.get(&f.path), hash, listed.get(&f.path));
                if same {
                    report.unchanged.push(f.path.clone());
                }
                !same
            })
            .collect();
        report
            .uploaded
            .extend(due.iter().map(|(f, _)| f.path.clone()));
        report.bytes += due.iter().map(|(f, _)| f.size).sum::<u64>();
        if options.dry_run || due.is_empty() {
            continue;
        }
        progress.stage(
            "uploading",
            due.len() as u64,
            due.iter().map(|(f, _)| f.size).sum(),
        );
        let sent: Vec<Result<(String, Sent)>> = futures_util::stream::iter(due)
            .map(|(file, hash)| async move {
                let e_tag = upload(options, store, file, progress).await?;
                let sent = Sent {
                    hash: hash.clone(),
                    size: file.size,
                    e_tag,
                };
                Ok::<_, anyhow::Error>((file.path.clone(), sent))
            })
            .buffer_unordered(options.jobs.max(1))
            .collect()
            .await;
        // What did go up is recorded even when something failed: a re-run sends only the rest.
        let mut failure = None;
        for result in sent {
            match result {
                Ok((path, sent)) => {
                    record.objects.insert(path, sent);
                }
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        record.save(&options.project)?;
        if let Some(e) = failure {
            return Err(e);
        }
    }
    report.removed = stale(&record, files);
    if !options.dry_run {
        for path in &report.removed {
            delete(store, path).await?;
            record.objects.remove(path);
            record.save(&options.project)?;
        }
    }
    Ok(report)
}

/// Whether the store holds what the published file is: the record says this very file was
/// sent, and the listing shows the object as it was sent (size, and ETag when both have one).
fn is_up_to_date(
    sent: Option<&Sent>,
    hash: &str,
    listed: Option<&object_store::ObjectMeta>,
) -> bool {
    match (sent, listed) {
        (Some(sent), Some(listed)) => {
            sent.hash == hash
                && sent.size == listed.size
                && (sent.e_tag.is_none() || listed.e_tag.is_none() || sent.e_tag == listed.e_tag)
        }
        _ => false,
    }
}

/// The objects an earlier deploy sent that the published folder no longer holds.
fn stale(record: &DeployRecord, files: &[LocalFile]) -> Vec<String> {
    record
        .objects
        .keys()
        .filter(|path| !files.iter().any(|f| &f.path == *path))
        .cloned()
        .collect()
}

/// The store's objects under the prefix, by path under the published folder.
async fn list(store: &Store) -> Result<BTreeMap<String, object_store::ObjectMeta>> {
    let prefix = (!store.prefix.is_empty()).then(|| Key::from(store.prefix.as_str()));
    let objects: Vec<object_store::ObjectMeta> = store
        .client
        .list(prefix.as_ref())
        .try_collect()
        .await
        .map_err(|e| store.failed("list", "", e))?;
    Ok(objects
        .into_iter()
        .filter_map(|meta| {
            let key = meta.location.to_string();
            let path = match store.prefix.as_str() {
                "" => key,
                prefix => key.strip_prefix(prefix)?.strip_prefix('/')?.to_string(),
            };
            Some((path, meta))
        })
        .collect())
}

/// The BLAKE3 hash of each file, read without following a link.
fn hash_files(options: &DeployOptions, files: &[LocalFile]) -> Result<Vec<String>> {
    let paths: Vec<std::path::PathBuf> =
        files.iter().map(|f| options.source.join(&f.path)).collect();
    crate::support::parallel::map(options.jobs, paths, |path| {
        let file = crate::support::fs::open_regular(&path)?;
        Ok(crate::support::fs::hash_reader(file, &path)?.0)
    })
    .into_iter()
    .collect()
}

/// The headers a file is served with.
fn attributes(file: &LocalFile) -> Attributes {
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, file.content_type().into());
    attributes.insert(Attribute::CacheControl, file.cache_control().into());
    attributes
}

/// Sends one file, in one request or in parts; returns the store's ETag.
async fn upload(
    options: &DeployOptions,
    store: &Store,
    file: &LocalFile,
    progress: &Progress,
) -> Result<Option<String>> {
    let source = options.source.join(&file.path);
    let task = progress.file("uploading", &file.path, file.size);
    let mut reader = crate::support::fs::open_regular(&source)?;
    let key = store.key(&file.path);
    let read_failed = || format!("failed to read `{}`", source.display());
    if file.size <= PART_SIZE as u64 {
        let mut bytes = Vec::with_capacity(file.size as usize);
        reader.read_to_end(&mut bytes).with_context(read_failed)?;
        let put = PutOptions {
            attributes: attributes(file),
            ..PutOptions::default()
        };
        let result = store
            .client
            .put_opts(&key, PutPayload::from(bytes), put)
            .await
            .map_err(|e| store.failed("upload", &file.path, e))?;
        task.advance(file.size);
        return Ok(result.e_tag);
    }
    let put = PutMultipartOptions {
        attributes: attributes(file),
        ..PutMultipartOptions::default()
    };
    let upload = store
        .client
        .put_multipart_opts(&key, put)
        .await
        .map_err(|e| store.failed("upload", &file.path, e))?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
    let mut buffer = vec![0; 1024 * 1024];
    loop {
        writer
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(|e| store.failed("upload", &file.path, e))?;
        let read = reader.read(&mut buffer).with_context(read_failed)?;
        if read == 0 {
            break;
        }
        writer.write(&buffer[..read]);
        task.advance(read as u64);
    }
    let result = writer
        .finish()
        .await
        .map_err(|e| store.failed("upload", &file.path, e))?;
    Ok(result.e_tag)
}

async fn delete(store: &Store, path: &str) -> Result<()> {
    store
        .client
        .delete(&store.key(path))
        .await
        .map_err(|e| store.failed("delete", path, e))
}

#[cfg(test)]
mod tests {
    use super::store_answer;

    #[test]
    fn a_refused_listing_reads_as_the_status_then_the_stores_code_and_message() {
        // object_store's error for a listing Garage 2.5 refused (a wrong secret).
        let error = "Generic S3 error: Error performing list request: Error performing GET http://127.0.0.1:3900/podcast?list-type=2&prefix=bench2%2F in 5.499928ms - Server returned non-2xx status code: 403 Forbidden: <?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Forbidden: Invalid signature</Message><Resource>/podcast</Resource><Region>garage</Region></Error>";
        assert_eq!(
            store_answer(error),
            "access denied (AccessDenied: Forbidden: Invalid signature)"
        );
        assert_eq!(
            store_answer("Server returned non-2xx status code: 401 Unauthorized: "),
            "the credentials were refused"
        );
        assert_eq!(store_answer("connection refused"), "connection refused");
    }
}
