//! Who may call: TLS (server certificate and key, optionally a client CA
//! for mutual TLS) and bearer tokens, each with a name that the logs carry.

use std::collections::BTreeSet;
use std::sync::Arc;

use subtle::ConstantTimeEq;
use tonic::{Request, Status};

/// TLS material, PEM encoded.
#[derive(Debug, Clone)]
pub struct Tls {
    /// The server's certificate chain.
    pub cert_pem: Vec<u8>,
    /// The server's private key.
    pub key_pem: Vec<u8>,
    /// With a client CA, only clients with a certificate it signed connect.
    pub client_ca_pem: Option<Vec<u8>>,
}

/// The bearer tokens callers may present, each with the name the logs use.
#[derive(Clone, Default)]
pub struct Tokens(Arc<Vec<(String, Vec<u8>)>>);

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only: tokens never reach a log.
        let names: Vec<&str> = self.0.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_tuple("Tokens").field(&names).finish()
    }
}

/// The caller a token named, in a request's extensions.
#[derive(Debug, Clone)]
pub(super) struct Caller(pub(super) String);

impl Tokens {
    /// Reads a tokens file: one `NAME TOKEN` a line; blank lines and lines
    /// starting with `#` are skipped. Names and tokens must be unique, and
    /// tokens at least 16 characters.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let mut out = Vec::new();
        let (mut names, mut tokens) = (BTreeSet::new(), BTreeSet::new());
        for (k, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(name), Some(token), None) = (words.next(), words.next(), words.next()) else {
                return Err(format!("line {}: expected \"NAME TOKEN\"", k + 1));
            };
            if token.chars().count() < 16 {
                return Err(format!(
                    "line {}: the token of {name:?} is shorter than 16 characters",
                    k + 1
                ));
            }
            if !names.insert(name.to_string()) || !tokens.insert(token.to_string()) {
                return Err(format!(
                    "line {}: {name:?} or its token is listed twice",
                    k + 1
                ));
            }
            out.push((name.to_string(), token.as_bytes().to_vec()));
        }
        if out.is_empty() {
            return Err("no tokens: a tokens file lists at least one \"NAME TOKEN\"".into());
        }
        Ok(Tokens(Arc::new(out)))
    }

    /// The name of the token a request presents (`authorization: Bearer
    /// TOKEN`), compared in constant time against every token.
    fn caller<T>(&self, req: &Request<T>) -> Option<String> {
        let header = req.metadata().get("authorization")?.to_str().ok()?;
        let presented = header.strip_prefix("Bearer ")?.trim().as_bytes();
        let mut found = None;
        for (name, token) in self.0.iter() {
            if bool::from(token.as_slice().ct_eq(presented)) {
                found = Some(name.clone());
            }
        }
        found
    }
}

/// The interceptor of the matching service: with tokens, a call must
/// present one (UNAUTHENTICATED otherwise); the caller's name (or
/// "anonymous") goes into the request for the logs.
pub(super) fn authenticate(
    tokens: Option<Tokens>,
) -> impl FnMut(Request<()>) -> Result<Request<()>, Status> + Clone {
    move |mut req: Request<()>| {
        let caller = match &tokens {
            None => "anonymous".to_string(),
            Some(t) => t.caller(&req).ok_or_else(|| {
                Status::unauthenticated(
                    "a valid bearer token is required (authorization: Bearer TOKEN)",
                )
            })?,
        };
        req.extensions_mut().insert(Caller(caller));
        Ok(req)
    }
}
