//! TLS to the pool through rustls, with libpq's meaning of each `sslmode`: `prefer` and
//! `require` encrypt without checking who answers (unless `sslrootcert` names certificates:
//! then `require` checks the chain, as libpq does), `verify-ca` checks the chain, `verify-full`
//! the chain and the host name. The ring provider is installed explicitly: rustls refuses to
//! guess one at the first connection.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::pool::url::{PoolUrl, SslMode};

/// The connector for `url`'s `sslmode` and `sslrootcert`.
pub fn connector(url: &PoolUrl) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // The process-wide default too, for any other rustls user that does not name one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS: no protocol version in common")?;
    let checks = match (url.ssl, &url.root_cert) {
        (SslMode::VerifyFull, _) => Checks::Full,
        (SslMode::VerifyCa, _) | (SslMode::Require, Some(_)) => Checks::Chain,
        _ => Checks::None,
    };
    let verifier: Arc<dyn ServerCertVerifier> = match checks {
        Checks::None => Arc::new(Lenient {
            provider,
            chain: None,
        }),
        Checks::Chain | Checks::Full => {
            let roots = Arc::new(roots(url.root_cert.as_deref())?);
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .context("TLS: cannot check certificates")?;
            match checks {
                Checks::Full => webpki,
                _ => Arc::new(Lenient {
                    provider,
                    chain: Some(webpki),
                }),
            }
        }
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

enum Checks {
    None,
    Chain,
    Full,
}

/// `sslrootcert`'s certificates, else the well-known public authorities.
fn roots(file: Option<&Path>) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match file {
        Some(path) => {
            let shown = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .with_context(|| format!("sslrootcert {shown}: cannot read"))?;
            for cert in certs {
                let cert = cert.with_context(|| format!("sslrootcert {shown}: not PEM"))?;
                store
                    .add(cert)
                    .with_context(|| format!("sslrootcert {shown}: not a certificate"))?;
            }
            anyhow::ensure!(
                !store.is_empty(),
                "sslrootcert {shown}: no certificate in it"
            );
        }
        None => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(store)
}

/// What `prefer`, `require` and `verify-ca` check of the server's certificate: nothing
/// (`chain: None`), or that an authority in the roots issued it, for whatever name. The
/// handshake's own signatures are checked either way.
#[derive(Debug)]
struct Lenient {
    provider: Arc<CryptoProvider>,
    chain: Option<Arc<WebPkiServerVerifier>>,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
