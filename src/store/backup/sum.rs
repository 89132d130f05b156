//! Checksums of a backup file (see the module doc of `store/backup`): every line ends in
//! `,"crc":"<8 hex>"}`, the CRC-32 of the line's bytes before that field, so a damaged line is
//! named; the `end` record carries `sha256`, the SHA-256 of every byte before it, so damage
//! anywhere (a lost or repeated line included) is found. Rule: the writer seals every line
//! through [`Sealer`]; the reader opens every line through [`unseal`]; hex is lowercase and
//! compared as bytes, so no two spellings of one sum are accepted.

use super::super::error::StoreError;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

/// The `checksum` a header announces (the only one there is).
pub const SHA256: &str = "sha256";

/// The field a sealed line ends in, before its 8 hex digits and `"}`.
const CRC_FIELD: &[u8] = b",\"crc\":\"";
/// Length of the seal: the field, 8 hex digits, `"}`.
const SEAL_LEN: usize = CRC_FIELD.len() + 8 + 2;

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

/// Writes sealed lines and keeps the SHA-256 of everything written, for the `end` record.
pub struct Sealer<W: Write> {
    w: W,
    sha: Sha256,
    buf: Vec<u8>,
    /// The file written, for error messages.
    path: PathBuf,
}

impl<W: Write> Sealer<W> {
    /// A sealer writing to `w`, the file at `path`.
    pub fn new(w: W, path: PathBuf) -> Sealer<W> {
        Sealer {
            w,
            sha: Sha256::new(),
            buf: Vec::with_capacity(1024),
            path,
        }
    }

    /// Writes one line: `fill` puts a JSON object into the (cleared) buffer; it is sealed with
    /// its CRC, ended with a newline, hashed and written.
    pub fn line(
        &mut self,
        fill: impl FnOnce(&mut Vec<u8>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.buf.clear();
        fill(&mut self.buf)?;
        seal(&mut self.buf);
        self.buf.push(b'\n');
        self.sha.update(&self.buf);
        self.w
            .write_all(&self.buf)
            .map_err(super::io_err(&self.path))
    }

    /// Writes `value` as one sealed line.
    pub fn json(&mut self, value: &impl serde::Serialize) -> Result<(), StoreError> {
        self.line(|b| {
            serde_json::to_writer(b, value)
                .map_err(|e| StoreError::Sled(format!("cannot encode a backup line: {e}")))
        })
    }

    /// Writes a line that is already sealed (copied from a file this module wrote), adding
    /// the newline.
    pub fn raw(&mut self, line: &[u8]) -> Result<(), StoreError> {
        self.sha.update(line);
        self.sha.update(b"\n");
        let ioe = super::io_err(&self.path);
        self.w.write_all(line).map_err(&ioe)?;
        self.w.write_all(b"\n").map_err(&ioe)
    }

    /// The SHA-256 (lowercase hex) of everything written so far.
    pub fn digest(&self) -> String {
        hex(&self.sha.clone().finalize())
    }

    /// Flushes the writer.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.w.flush().map_err(super::io_err(&self.path))
    }

    /// The writer.
    pub fn into_inner(self) -> W {
        self.w
    }
}

/// Seals the JSON object in `buf` (which ends in `}`): `{...}` becomes `{...,"crc":"xxxxxxxx"}`.
fn seal(buf: &mut Vec<u8>) {
    debug_assert_eq!(buf.last(), Some(&b'}'));
    buf.pop();
    let crc = crc32fast::hash(buf);
    buf.extend_from_slice(CRC_FIELD);
    buf.extend_from_slice(hex(&crc.to_be_bytes()).as_bytes());
    buf.extend_from_slice(b"\"}");
}

/// Checks the seal of `line` (without its newline): `Ok(true)` when it has one and it holds,
/// `Ok(false)` when it has none (a file of an older version), `Err` when it does not hold.
pub fn unseal(line: &[u8]) -> Result<bool, String> {
    let Some(cut) = line.len().checked_sub(SEAL_LEN) else {
        return Ok(false);
    };
    let (body, seal) = line.split_at(cut);
    if !seal.starts_with(CRC_FIELD) || !seal.ends_with(b"\"}") {
        return Ok(false);
    }
    let digits = &seal[CRC_FIELD.len()..CRC_FIELD.len() + 8];
    if hex(&crc32fast::hash(body).to_be_bytes()).as_bytes() != digits {
        return Err("the line does not match its checksum: it is damaged".into());
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_line_opens_and_any_changed_byte_breaks_it() {
        let mut s = Sealer::new(Vec::new(), PathBuf::from("b"));
        s.line(|b| {
            b.extend_from_slice(br#"{"type":"import","hash":"00"}"#);
            Ok(())
        })
        .unwrap();
        let digest = s.digest();
        let out = s.into_inner();
        assert_eq!(digest, hex(&Sha256::digest(&out)));
        let line = &out[..out.len() - 1];
        assert!(line.starts_with(br#"{"type":"import","hash":"00","crc":""#));
        assert_eq!(unseal(line), Ok(true));
        for i in 0..line.len() {
            for bit in 0..8 {
                let mut l = line.to_vec();
                l[i] ^= 1 << bit;
                assert_ne!(unseal(&l), Ok(true), "byte {i} bit {bit}");
            }
        }
        assert_eq!(unseal(br#"{"type":"end"}"#), Ok(false));
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
