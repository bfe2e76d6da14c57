//! Reading a stream that may pause (standard input fed by another program): the importer must
//! store what it has parsed before it waits for more, or a producer writing one line a minute
//! would see nothing stored until hundreds of lines had come.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::Duration;

/// Bytes read from the source at once.
const BLOCK_BYTES: usize = 64 << 10;
/// Blocks read ahead of the parser.
const BLOCKS_AHEAD: usize = 4;
/// How long the stream must stay silent to count as paused: even a pipe from a fast producer
/// (`cat dump.jsonl | newsdb import - --format jsonl`) runs dry for moments, and handing on a
/// small chunk each time made that import 20% slower.
const PAUSE: Duration = Duration::from_millis(20);

/// Reads `source` on a thread of its own, so that it can tell a stream that has paused (no
/// bytes for `PAUSE`) from one that is merely being read; it calls `on_pause` before waiting on.
pub struct PausingReader<F: FnMut()> {
    blocks: Receiver<io::Result<Vec<u8>>>,
    block: Vec<u8>,
    at: usize,
    on_pause: F,
}

impl<F: FnMut()> PausingReader<F> {
    pub fn new<R: Read + Send + 'static>(mut source: R, on_pause: F) -> PausingReader<F> {
        let (sender, blocks) = sync_channel(BLOCKS_AHEAD);
        // The thread ends at the end of the stream, on an error, or when the reader is dropped
        // and its next block has nowhere to go.
        std::thread::spawn(move || {
            loop {
                let mut block = vec![0; BLOCK_BYTES];
                let read = match source.read(&mut block) {
                    Ok(0) => return,
                    Ok(read) => read,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(error) => {
                        let _ = sender.send(Err(error));
                        return;
                    }
                };
                block.truncate(read);
                if sender.send(Ok(block)).is_err() {
                    return;
                }
            }
        });
        PausingReader {
            blocks,
            block: Vec::new(),
            at: 0,
            on_pause,
        }
    }

    /// The next block, waiting for it (after `on_pause` once `PAUSE` has passed); `None` at the end.
    fn next_block(&mut self) -> Option<io::Result<Vec<u8>>> {
        match self.blocks.recv_timeout(PAUSE) {
            Ok(block) => Some(block),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => {
                (self.on_pause)();
                self.blocks.recv().ok()
            }
        }
    }
}

impl<F: FnMut()> Read for PausingReader<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.block.len() {
            match self.next_block() {
                None => return Ok(0),
                Some(block) => {
                    self.block = block?;
                    self.at = 0;
                }
            }
        }
        let count = buf.len().min(self.block.len() - self.at);
        buf[..count].copy_from_slice(&self.block[self.at..self.at + count]);
        self.at += count;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::mpsc::{Sender, channel};

    /// A source that hands out what the test sends it, one message per read.
    struct Fed(Receiver<Vec<u8>>);

    impl Read for Fed {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.recv() {
                Ok(bytes) => {
                    buf[..bytes.len()].copy_from_slice(&bytes);
                    Ok(bytes.len())
                }
                Err(_) => Ok(0),
            }
        }
    }

    fn fed() -> (Sender<Vec<u8>>, Fed) {
        let (sender, receiver) = channel();
        (sender, Fed(receiver))
    }

    #[test]
    fn reads_the_whole_stream_in_order() {
        let (sender, source) = fed();
        for part in ["one\n", "two\n", "three"] {
            sender.send(part.as_bytes().to_vec()).unwrap();
        }
        drop(sender);
        let mut text = String::new();
        PausingReader::new(source, || {})
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "one\ntwo\nthree");
    }

    #[test]
    fn a_pause_is_announced_before_the_wait_for_more() {
        let (sender, source) = fed();
        let (paused, pause_seen) = channel();
        let pauses = Cell::new(0);
        let mut reader = PausingReader::new(source, || {
            pauses.set(pauses.get() + 1);
            let _ = paused.send(());
        });
        sender.send(b"first".to_vec()).unwrap();
        let mut buf = [0; 16];
        assert_eq!(reader.read(&mut buf).unwrap(), 5);
        while pause_seen.try_recv().is_ok() {} // the first read may have waited too
        let before = pauses.get();
        // The source gives its next bytes only once the reader has announced that it waits.
        let feeder = std::thread::spawn(move || {
            pause_seen.recv().unwrap();
            sender.send(b"second".to_vec()).unwrap();
        });
        assert_eq!(reader.read(&mut buf).unwrap(), 6);
        assert_eq!(&buf[..6], b"second");
        assert_eq!(pauses.get(), before + 1);
        feeder.join().unwrap();
        assert_eq!(reader.read(&mut buf).unwrap(), 0);
    }
}
