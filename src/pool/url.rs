//! A pool's `postgres://` URL, as users copy it from their hosting provider: `sslmode` means
//! what it means for libpq (the `postgres` crate knows only disable, prefer and require) and
//! `sslrootcert=FILE` names the certificates to trust. The password never leaves this type
//! except to the server: `shown` is the URL with it redacted.

use std::path::PathBuf;
use std::str::FromStr;

use crate::error::UsageError;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A pool's address, parsed.
#[derive(Clone)]
pub struct PoolUrl {
    /// What the `postgres` crate is given: the URL without the parameters taken out here.
    pub config: postgres::Config,
    pub ssl: SslMode,
    pub root_cert: Option<PathBuf>,
    /// The URL with its password redacted, for every message.
    pub shown: String,
}

impl std::fmt::Debug for PoolUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl PoolUrl {
    pub fn parse(url: &str) -> Result<PoolUrl, UsageError> {
        let shown = redacted(url);
        let bad = |why: String| UsageError(format!("pool {shown}: {why}"));
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(bad("not a postgres:// URL".into()));
        }
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut ssl = SslMode::Prefer;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => {
                    ssl = ssl_mode(value)
                        .ok_or_else(|| bad(format!("sslmode={value} is not a mode libpq knows")))?
                }
                "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(value))),
                _ => kept.push(pair),
            }
        }
        let rest = match kept.is_empty() {
            true => base.to_string(),
            false => format!("{base}?{}", kept.join("&")),
        };
        let mut config = postgres::Config::from_str(&rest).map_err(|e| bad(e.to_string()))?;
        config.ssl_mode(match ssl {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        });
        Ok(PoolUrl {
            config,
            ssl,
            root_cert,
            shown,
        })
    }

    /// Whether every host is this machine: plain text there crosses no network.
    pub fn is_loopback(&self) -> bool {
        self.config.get_hosts().iter().all(|host| match host {
            postgres::config::Host::Tcp(name) => {
                name == "localhost"
                    || name
                        .trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            #[cfg(unix)]
            postgres::config::Host::Unix(_) => true,
        })
    }
}

fn ssl_mode(value: &str) -> Option<SslMode> {
    Some(match value {
        "disable" | "allow" => SslMode::Disable,
        "prefer" => SslMode::Prefer,
        "require" => SslMode::Require,
        "verify-ca" => SslMode::VerifyCa,
        "verify-full" => SslMode::VerifyFull,
        _ => return None,
    })
}

/// The URL with the password between `user:` and `@` replaced by `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// `%2F` and friends in a query value, as URLs carry file paths.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|&b| hex(b)),
            bytes.get(i + 2).and_then(|&b| hex(b)),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, ..) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_root_certificates_and_redaction() {
        let url = PoolUrl::parse(
            "postgres://dj:s3cret@db.example.com:6543/crew?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=tg",
        )
        .unwrap();
        assert_eq!(url.ssl, SslMode::VerifyFull);
        assert_eq!(url.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(
            url.shown,
            "postgres://dj:***@db.example.com:6543/crew?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=tg"
        );
        assert_eq!(url.config.get_password(), Some(&b"s3cret"[..]));
        assert!(!url.is_loopback());
        assert_eq!(
            PoolUrl::parse("postgres://127.0.0.1/x").unwrap().ssl,
            SslMode::Prefer
        );
        assert!(PoolUrl::parse("postgres://localhost/x")
            .unwrap()
            .is_loopback());
        let err = PoolUrl::parse("postgres://u:pw@h/x?sslmode=sometimes").unwrap_err();
        assert!(
            err.0.contains("u:***@h") && !err.0.contains("pw@"),
            "{}",
            err.0
        );
        assert!(PoolUrl::parse("mysql://h/x").is_err());
    }
}
