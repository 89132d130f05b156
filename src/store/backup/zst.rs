//! Compressed backups (see the module doc of `store/backup`): a file whose name ends in `.zst`
//! is one zstd frame of the same NDJSON lines, with zstd's content checksum, followed by a
//! zstd skippable frame that holds the SHA-256 of every byte before it (the seal). A reader
//! tells the two kinds apart by the file's first four bytes (zstd's magic number), never by its
//! name, so a renamed file still reads and a file of an older build (plain NDJSON) reads as
//! before. Rule: the checksums of `sum.rs` are of the text, compressed or not; the seal is of
//! the compressed bytes, so a changed bit that zstd would decode to the same text (a frame
//! header's window size, a block header) is damage too; a damaged compressed file is an error
//! naming the file, like any other damage.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

/// The first four bytes of a zstd frame.
pub const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The seal: zstd's skippable frame 0 (magic `0x184D2A50`, little endian), its length (32,
/// little endian), then the SHA-256 of the bytes before it. `zstd -d` skips it.
const SEAL_HEAD: [u8; 8] = [0x50, 0x2a, 0x4d, 0x18, 32, 0, 0, 0];
/// Length of the seal.
const SEAL_LEN: usize = SEAL_HEAD.len() + 32;

/// zstd's level for backups. On the 1M demo backup (282 MB of text, `zstd` 1.5 on this machine)
/// level 1 wrote 31.4 MB in 0.69 s of CPU, level 3 (zstd's default) 33.0 MB in 1.43 s, `--fast=3`
/// 43.5 MB in 0.68 s: 1 is the smallest and the cheapest (benches/README.md, "Half the disk").
const LEVEL: i32 = 1;

/// Whether a backup written to `path` is compressed: its name ends in `.zst`.
pub fn wants_compression(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".zst"))
}

/// A writer that keeps the SHA-256 of what goes through it.
pub struct Hashing<W> {
    inner: W,
    sha: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Where backup lines go: a buffered file, through zstd when compressed.
pub enum Out {
    /// Plain NDJSON.
    Plain(BufWriter<File>),
    /// One zstd frame, sealed when finished.
    Zstd(Box<zstd::stream::write::Encoder<'static, Hashing<BufWriter<File>>>>),
}

impl Out {
    /// A writer to `file`, compressed when `compressed`.
    pub fn new(file: File, compressed: bool) -> std::io::Result<Out> {
        let w = BufWriter::with_capacity(1 << 20, file);
        if !compressed {
            return Ok(Out::Plain(w));
        }
        let w = Hashing {
            inner: w,
            sha: Sha256::new(),
        };
        let mut e = zstd::stream::write::Encoder::new(w, LEVEL)?;
        e.include_checksum(true)?;
        Ok(Out::Zstd(Box::new(e)))
    }

    /// Ends the frame and writes the seal (when compressed), flushes, and gives the file back.
    pub fn finish(self) -> std::io::Result<File> {
        let w = match self {
            Out::Plain(w) => w,
            Out::Zstd(e) => {
                let Hashing { mut inner, sha } = e.finish()?;
                inner.write_all(&SEAL_HEAD)?;
                inner.write_all(&sha.finalize())?;
                inner
            }
        };
        w.into_inner().map_err(|e| e.into_error())
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Out::Plain(w) => w.write(buf),
            Out::Zstd(e) => e.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Out::Plain(w) => w.write_all(buf),
            Out::Zstd(e) => e.write_all(buf),
        }
    }

    /// Writes out what is buffered; a compressed writer ends its current block, so what was
    /// written so far can be read back from the file.
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Out::Plain(w) => w.flush(),
            Out::Zstd(e) => e.flush(),
        }
    }
}

/// The lines of the backup file `file`: decompressed when it begins with zstd's magic number.
/// Read errors of a compressed file (damage zstd finds: a broken block, a content checksum that
/// does not hold, a frame cut short; a seal that is missing or does not hold) say the
/// compressed data is damaged.
pub fn lines(file: File) -> std::io::Result<Box<dyn BufRead>> {
    let mut r = BufReader::with_capacity(1 << 20, file);
    let compressed = r.fill_buf()?.starts_with(&MAGIC);
    if !compressed {
        return Ok(Box::new(r));
    }
    let r = Consumed {
        inner: r,
        sha: Sha256::new(),
    };
    let d = zstd::stream::read::Decoder::with_buffer(r)?.single_frame();
    Ok(Box::new(BufReader::with_capacity(
        1 << 20,
        Unpacked { frame: Some(d) },
    )))
}

/// A buffered reader that keeps the SHA-256 of the bytes its user consumed (zstd's decoder
/// consumes exactly the bytes of its frame, so this is the hash of the frame).
struct Consumed<R> {
    inner: R,
    sha: Sha256,
}

impl<R: BufRead> Read for Consumed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let have = self.fill_buf()?;
            let n = have.len().min(buf.len());
            buf[..n].copy_from_slice(&have[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Consumed<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The buffer is not empty when `amt` is not 0, so this reads nothing.
        if let Ok(b) = self.inner.fill_buf() {
            self.sha.update(&b[..amt.min(b.len())]);
        }
        self.inner.consume(amt);
    }
}

/// The text of a compressed backup: the frame's decoded bytes, then, at its end, the check of
/// the seal and of the end of the file.
struct Unpacked {
    frame: Option<zstd::stream::read::Decoder<'static, Consumed<BufReader<File>>>>,
}

impl Read for Unpacked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let damaged = |what: String| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the compressed data is damaged ({what})"),
            )
        };
        let Some(d) = self.frame.as_mut() else {
            return Ok(0);
        };
        match d.read(buf) {
            Ok(0) if !buf.is_empty() => {}
            Ok(n) => return Ok(n),
            Err(e) => return Err(damaged(e.to_string())),
        }
        // The frame ended: the seal must follow, hold, and end the file.
        let Some(d) = self.frame.take() else {
            return Ok(0);
        };
        let Consumed { mut inner, sha } = d.finish();
        let mut seal = Vec::with_capacity(SEAL_LEN + 1);
        (&mut inner)
            .take(SEAL_LEN as u64 + 1)
            .read_to_end(&mut seal)
            .map_err(|e| damaged(e.to_string()))?;
        if seal.len() != SEAL_LEN || seal[..SEAL_HEAD.len()] != SEAL_HEAD {
            return Err(damaged(
                "the file does not end in the SHA-256 of its compressed bytes".into(),
            ));
        }
        if seal[SEAL_HEAD.len()..] != sha.finalize()[..] {
            return Err(damaged(
                "the compressed bytes do not match their SHA-256".into(),
            ));
        }
        Ok(0)
    }
}

/// The first `n` bytes of the text of the backup file at `path` (fewer if it is shorter or
/// unreadable): what `write::clean_leftovers` recognizes a killed backup's file by.
pub fn head(path: &Path, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    if let Ok(f) = File::open(path) {
        if let Ok(r) = lines(f) {
            let _ = r.take(n as u64).read_to_end(&mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compressed_file_reads_back_as_its_text_and_a_plain_one_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"{\"a\":1}\n{\"b\":2}\n".repeat(1000);
        for compressed in [false, true] {
            let p = dir
                .path()
                .join(if compressed { "b.jsonl.zst" } else { "b.jsonl" });
            assert_eq!(wants_compression(&p), compressed);
            let mut w = Out::new(File::create(&p).unwrap(), compressed).unwrap();
            w.write_all(&text[..8]).unwrap();
            // A flushed compressed head reads back before the frame ends.
            w.flush().unwrap();
            assert_eq!(head(&p, 8), &text[..8]);
            w.write_all(&text[8..]).unwrap();
            w.finish().unwrap();
            let raw = std::fs::read(&p).unwrap();
            assert_eq!(raw.starts_with(&MAGIC), compressed);
            assert!(!compressed || raw.len() < text.len() / 10, "{}", raw.len());
            let mut back = Vec::new();
            lines(File::open(&p).unwrap())
                .unwrap()
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, text);
            // Any zstd decoder reads it (the seal is a skippable frame).
            if compressed {
                assert_eq!(zstd::decode_all(&raw[..]).unwrap(), text);
            }
        }
        // A frame cut short is an error, not a short read.
        let p = dir.path().join("b.jsonl.zst");
        let raw = std::fs::read(&p).unwrap();
        std::fs::write(&p, &raw[..raw.len() - 6]).unwrap();
        let mut back = Vec::new();
        let e = lines(File::open(&p).unwrap())
            .unwrap()
            .read_to_end(&mut back)
            .unwrap_err();
        assert!(e.to_string().contains("compressed data is damaged"), "{e}");
    }
}
