//! Lesson 4: an HTTP GET by hand, over a plain `TcpStream` or over TLS.
//!
//! The tutorial's web client connects to www.sina.com.cn port 80, sends a GET
//! request, reads until the server closes, splits the header from the body at the
//! first blank line, and writes the body to `sina.html`. HTTP/1.1 is text over TCP,
//! so that is almost enough. This lesson does the same with no HTTP library, and
//! handles what the tutorial's version ([`naive`]) does not:
//!
//! - the three ways a body ends ([`body`]), and a body cut short;
//! - streaming: the body goes to disk as it arrives, never whole in memory;
//! - an atomic file: a failed download never leaves a half `sina.html`;
//! - redirects, timeouts, and a clear error for every failure;
//! - `https://`: the same HTTP bytes through TLS ([`tls`]), since most sites,
//!   sina's included, now redirect plain HTTP there.

pub mod body;
pub mod http;
pub mod naive;
pub mod tls;
pub mod url;
pub mod x509;

use anyhow::{bail, Context};
use http::Head;
use shared::addr::HostPort;
use shared::error::{is_timeout, NetError};
use std::io::{self, BufReader, IsTerminal, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tls::{TlsInfo, TlsOptions, TlsStream};
use url::{Scheme, Url};

/// The file the tutorial writes.
pub const DEFAULT_OUTPUT: &str = "sina.html";

/// The most redirects followed, like browsers and curl.
pub const MAX_REDIRECTS: usize = 10;

/// How a download behaves; the command-line flags fill it in.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the body goes.
    pub output: PathBuf,
    /// Follow redirects (the default; `--no-follow` turns it off).
    pub follow: bool,
    /// Whom to trust for `https://`.
    pub tls: TlsOptions,
    /// The longest wait for the connection, and for each read.
    pub timeout: Duration,
    /// Treat 4xx and 5xx as errors and save nothing (`--fail`).
    pub fail: bool,
    /// Show a progress line on stderr.
    pub progress: bool,
}

impl Options {
    /// The defaults, writing to `output`.
    pub fn new(output: impl Into<PathBuf>) -> Options {
        Options {
            output: output.into(),
            follow: true,
            tls: TlsOptions::default(),
            timeout: Duration::from_secs(30),
            fail: false,
            progress: false,
        }
    }
}

/// What a download did.
#[derive(Debug)]
pub struct Report {
    /// The URL whose body was saved (after redirects).
    pub url: Url,
    /// The final response's head.
    pub head: Head,
    /// The body's length in bytes.
    pub bytes: u64,
}

/// One request and its answer, as [`download`] reports them.
pub struct Hop<'a> {
    /// The URL asked for.
    pub url: &'a Url,
    /// The request's bytes, exactly as sent.
    pub request: &'a [u8],
    /// For `https://`: what the TLS handshake settled.
    pub tls: Option<&'a TlsInfo>,
    /// The response head.
    pub head: &'a Head,
}

// ANCHOR: download
/// GETs `url` and saves the body to `options.output`; `on_hop` sees every request
/// and response head, redirects included, as they happen.
pub fn download(
    url: &Url,
    options: &Options,
    mut on_hop: impl FnMut(&Hop),
) -> anyhow::Result<Report> {
    // Decided before connecting: a missing folder fails before any traffic.
    let target = Target::of(&options.output)
        .with_context(|| format!("cannot save to {}", options.output.display()))?;
    // Made before connecting, so that a bad --cacert fails first; cheap otherwise.
    let tls_config = tls::client_config(&options.tls)?;
    let mut url = url.clone();
    let mut redirects = 0;
    loop {
        let (connection, tls_info) = connect(&url, options, &tls_config)?;
        let request = http::get_request(&url.authority(), &url.path);
        let (head, mut body) = exchange(connection, &request, options)
            .map_err(|err| with_hint(format!("bad response from {url}"), err))?;
        on_hop(&Hop {
            url: &url,
            request: &request,
            tls: tls_info.as_ref(),
            head: &head,
        });
        let location = head.header("Location").filter(|_| is_redirect(head.status));
        if let (Some(location), true) = (location, options.follow) {
            redirects += 1;
            if redirects > MAX_REDIRECTS {
                bail!(
                    "more than {MAX_REDIRECTS} redirects, the last to {location}; hint: the \
                     server sends this client round in a circle: --no-follow -v shows each hop"
                );
            }
            url = url
                .join(location)
                .with_context(|| format!("cannot follow the redirect to {location:?}"))?;
            continue; // dropping `body` closes this connection
        }
        if options.fail && head.status >= 400 {
            let hint = if head.status < 500 {
                "a 4xx is the request's fault: check the URL's path"
            } else {
                "a 5xx is the server's fault: try again later"
            };
            bail!(
                "the server answered {} {} for {url}; hint: {hint} (without --fail the \
                 error page is saved, to read)",
                head.status,
                head.reason
            );
        }
        let framing = body::framing(&head)?;
        let total = match framing {
            body::Framing::Length(n) => Some(n),
            _ => None,
        };
        let bytes = target
            .save(|file| {
                let mut progress = Progress::new(file, total, options.progress);
                let n = body::copy_body(framing, &mut body, &mut progress)?;
                progress.finish();
                if framing == body::Framing::UntilClose
                    && body.get_ref().ended_without_close_notify()
                {
                    return Err(http::HttpError::UnconfirmedEnd.into());
                }
                Ok(n)
            })
            .map_err(|err| {
                with_hint(
                    format!("cannot download {url}"),
                    explain(err, options.timeout),
                )
            })?;
        return Ok(Report { url, head, bytes });
    }
}
// ANCHOR_END: download

/// 301, 302, 303, 307, 308: the statuses that send us elsewhere with `Location`.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

// ANCHOR: connection
/// The byte stream under HTTP: TCP, or TLS over TCP. HTTP reads and writes both
/// the same way, through `Read` and `Write`.
pub enum Connection {
    /// `http://`: the bytes go as they are.
    Plain(TcpStream),
    /// `https://`: the bytes are encrypted on the way out, decrypted on the way in.
    Tls(Box<TlsStream>),
}

impl Connection {
    /// Did a TLS server hang up without saying goodbye (`close_notify`)?
    pub fn ended_without_close_notify(&self) -> bool {
        matches!(self, Connection::Tls(tls) if tls.ended_without_close_notify)
    }
}

impl Read for Connection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Connection::Plain(tcp) => tcp.read(buf),
            Connection::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for Connection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Connection::Plain(tcp) => tcp.write(buf),
            Connection::Tls(tls) => tls.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Connection::Plain(tcp) => tcp.flush(),
            Connection::Tls(tls) => tls.flush(),
        }
    }
}

/// Connects to the URL's server, with the TLS handshake for `https://`.
fn connect(
    url: &Url,
    options: &Options,
    tls_config: &Arc<rustls::ClientConfig>,
) -> anyhow::Result<(Connection, Option<TlsInfo>)> {
    let server = HostPort {
        host: url.host.clone(),
        port: url.port,
    };
    let hint = "check the host and port in the URL";
    let tcp = shared::client::connect_timeout(&server, options.timeout, hint)?;
    // Without these, a server that accepts but never answers would hang us forever.
    tcp.set_read_timeout(Some(options.timeout))?;
    tcp.set_write_timeout(Some(options.timeout))?;
    if url.scheme == Scheme::Http {
        return Ok((Connection::Plain(tcp), None));
    }
    let config = Arc::clone(tls_config);
    let (stream, info) = tls::handshake(config, &url.host, &server, tcp, options.timeout)?;
    Ok((Connection::Tls(Box::new(stream)), Some(info)))
}
// ANCHOR_END: connection

// ANCHOR: get
/// Sends the request and reads the response head, over any byte stream; the body
/// is left in the returned reader. The same code for TCP and for TLS.
pub fn exchange<S: Read + Write>(
    mut stream: S,
    request: &[u8],
    options: &Options,
) -> io::Result<(Head, BufReader<S>)> {
    stream
        .write_all(request)
        .and_then(|()| stream.flush())
        .map_err(|err| explain(err, options.timeout))?;
    // 64 KiB reads: fewer system calls than the tutorial's 1024 bytes at a time.
    let mut input = BufReader::with_capacity(64 * 1024, stream);
    // 1xx responses are interim ("103 Early Hints"): the real one follows; but not
    // after an endless run of them.
    for _ in 0..=http::MAX_INTERIM {
        let head = http::read_head(&mut input).map_err(|err| explain(err, options.timeout))?;
        if head.status >= 200 || head.status == 101 {
            return Ok((head, input));
        }
    }
    Err(http::HttpError::TooManyInterim.into())
}
// ANCHOR_END: get

/// Names the action that failed and adds the hint an [`http::HttpError`] carries.
fn with_hint(action: String, err: io::Error) -> NetError {
    let hint = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<http::HttpError>())
        .and_then(http::HttpError::hint)
        .or_else(|| {
            // A TLS server given plain HTTP gives up on the handshake and hangs up,
            // often with a reset (Python's ssl module, rustls): the usual cause.
            matches!(
                err.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
            )
            .then_some(HUNG_UP)
        });
    NetError {
        action,
        hint: hint.map(str::to_string),
        source: err,
    }
}

/// The hint for a server that hangs up instead of answering a plain request.
pub(crate) const HUNG_UP: &str =
    "the server hung up without answering: if it serves https, use an https:// URL";

/// Turns a read timeout's `WouldBlock`/`TimedOut` into words.
fn explain(err: io::Error, timeout: Duration) -> io::Error {
    if is_timeout(&err) {
        return io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "timed out: the server sent nothing for {} s (change the limit with --timeout)",
                timeout.as_secs_f64()
            ),
        );
    }
    err
}

// ANCHOR: target
/// Where the body goes: how `-o PATH` is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `-o -`: standard output.
    Stdout,
    /// A regular file (or none yet): written atomically, see [`save_atomically`].
    File(PathBuf),
    /// Not a regular file: a FIFO, a device such as `/dev/null`, a dangling symlink.
    /// Renaming a temporary file over it would *replace* it (as root, `-o /dev/null`
    /// would destroy the system's `/dev/null`), so the body is written through it,
    /// as curl does; it cannot be atomic.
    WriteThrough(PathBuf),
}

impl Target {
    /// Looks at `output` before any connection is made.
    pub fn of(output: &Path) -> io::Result<Target> {
        if output == Path::new("-") {
            return Ok(Target::Stdout);
        }
        let folder = match output.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            let why = format!("{} is not a folder", folder.display());
            return Err(io::Error::new(io::ErrorKind::NotFound, why));
        }
        match std::fs::symlink_metadata(output) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Target::File(output.into())),
            Err(err) => Err(err),
            Ok(meta) if meta.is_dir() => Err(io::Error::other("it is a folder")),
            Ok(meta) if meta.is_file() => Ok(Target::File(output.into())),
            // A symbolic link to a regular file: replace the file it points to, and
            // keep the link.
            Ok(meta) if meta.file_type().is_symlink() && output.is_file() => {
                Ok(Target::File(std::fs::canonicalize(output)?))
            }
            Ok(_) => Ok(Target::WriteThrough(output.into())),
        }
    }

    /// Writes the body through `write`; returns its length.
    pub fn save(&self, write: impl FnOnce(&mut dyn Write) -> io::Result<u64>) -> io::Result<u64> {
        match self {
            Target::Stdout => {
                let mut out = io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
                let bytes = write(&mut out)?;
                out.flush()?;
                Ok(bytes)
            }
            Target::File(path) => save_atomically(path, |file| write(file)),
            Target::WriteThrough(path) => {
                // No truncation: a device or FIFO has nothing to truncate.
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)?;
                let mut out = io::BufWriter::with_capacity(64 * 1024, file);
                let bytes = write(&mut out)?;
                out.flush()?;
                Ok(bytes)
            }
        }
    }
}
// ANCHOR_END: target

// ANCHOR: atomic
/// Writes a file through `write`, atomically: into a temporary file beside `path`,
/// renamed over `path` only if `write` succeeds. A failed download leaves any
/// existing file untouched, and never a truncated one under the real name.
///
/// The new file gets the old one's permissions, or else those any new file gets
/// (0666 less the umask: usually 0644, as curl's files), not the temporary file's
/// private 0600.
pub fn save_atomically(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<&std::fs::File>) -> io::Result<u64>,
) -> io::Result<u64> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666)); // the umask applies
    }
    let temp = builder.tempfile_in(dir)?;
    if let Ok(old) = std::fs::metadata(path) {
        std::fs::set_permissions(temp.path(), old.permissions())?;
    }
    let mut out = io::BufWriter::with_capacity(64 * 1024, temp.as_file());
    let bytes = write(&mut out)?; // on error `temp` is dropped, which deletes it
    out.flush()?;
    drop(out);
    temp.persist(path).map_err(|e| e.error)?;
    Ok(bytes)
}
// ANCHOR_END: atomic

/// Counts bytes on their way to `inner`, showing a progress line when enabled.
struct Progress<W> {
    inner: W,
    done: u64,
    total: Option<u64>,
    enabled: bool,
    last_shown: Instant,
}

impl<W: Write> Progress<W> {
    fn new(inner: W, total: Option<u64>, enabled: bool) -> Self {
        Progress {
            inner,
            done: 0,
            total,
            enabled,
            last_shown: Instant::now(),
        }
    }

    fn show(&self) {
        let mib = |n: u64| n as f64 / (1024.0 * 1024.0);
        let line = match self.total {
            Some(total) => format!("\r{:.1} of {:.1} MiB", mib(self.done), mib(total)),
            None => format!("\r{:.1} MiB", mib(self.done)),
        };
        let mut err = io::stderr().lock();
        let _ = err.write_all(line.as_bytes());
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.enabled && self.done > 0 {
            self.show();
            eprintln!();
        }
    }
}

impl<W: Write> Write for Progress<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.done += n as u64;
        if self.enabled && self.last_shown.elapsed() >= Duration::from_millis(200) {
            self.last_shown = Instant::now();
            self.show();
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Should a progress line be shown? Only to a person watching a terminal.
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}
