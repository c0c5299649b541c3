//! Writing a large output out to disk while it is still being made.

use std::fs::File;
use std::sync::mpsc;

/// Has the system write a large output out while the rest of it is still being made: ext4
/// writes a file renamed over another out in full before the rename returns, which took 50 ms
/// for a 50 MB library. Every `STEP` bytes a helper thread syncs what is written so far; it is
/// never waited for, and a sync still running when the run ends does no harm.
pub struct WriteBehind {
    file: Option<File>,
    unsynced: usize,
    helper: Option<mpsc::SyncSender<()>>,
}

impl WriteBehind {
    const STEP: usize = 4 << 20;

    pub fn new(file: &File) -> WriteBehind {
        WriteBehind {
            // Without a second handle there is simply no write-behind.
            file: file.try_clone().ok(),
            unsynced: 0,
            helper: None,
        }
    }

    pub fn wrote(&mut self, bytes: usize) {
        self.unsynced += bytes;
        if self.unsynced < Self::STEP {
            return;
        }
        self.unsynced = 0;
        if self.helper.is_none() {
            self.helper = self.file.take().and_then(start_syncing);
        }
        if let Some(helper) = &self.helper {
            // A sync already waiting covers these bytes too.
            let _ = helper.try_send(());
        }
    }
}

fn start_syncing(file: File) -> Option<mpsc::SyncSender<()>> {
    let (tx, rx) = mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("write-behind".into())
        .spawn(move || {
            for () in rx {
                let _ = file.sync_data();
            }
        })
        .ok()?;
    Some(tx)
}
