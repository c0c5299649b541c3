//! The batches of one fetch, shared by its workers: handed out in order, and asked again in
//! smaller pieces (halves, or a track alone) when an answer could not be used.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Condvar, Mutex};

use super::http::Shared;
use super::{Job, POLL};

pub(super) struct Batch {
    pub jobs: Vec<Job>,
    /// A track asked again on its own after an unusable answer; it gets no third chance.
    pub second_chance: bool,
}

impl Batch {
    /// The two halves of a batch whose reply was cut short, to be asked apart. A track left
    /// alone by the split is on its second chance already, so each track is asked at most
    /// 1 + log2(batch) times however often the server cuts it short.
    pub fn halves(mut self) -> Vec<Batch> {
        let back = self.jobs.split_off(self.jobs.len().div_ceil(2));
        [self.jobs, back]
            .into_iter()
            .map(|jobs| Batch {
                second_chance: self.second_chance || jobs.len() == 1,
                jobs,
            })
            .collect()
    }
}

struct Queue {
    batches: VecDeque<Batch>,
    /// Batches being worked on, which may still queue second chances.
    busy: usize,
}

pub(super) struct Pool {
    pub shared: Shared,
    queue: Mutex<Queue>,
    changed: Condvar,
}

impl Pool {
    pub fn new(jobs: Vec<Job>, batch: usize) -> Pool {
        let mut batches = VecDeque::new();
        let mut jobs = jobs.into_iter().peekable();
        while jobs.peek().is_some() {
            batches.push_back(Batch {
                jobs: jobs.by_ref().take(batch).collect(),
                second_chance: false,
            });
        }
        Pool {
            shared: Shared::default(),
            queue: Mutex::new(Queue { batches, busy: 0 }),
            changed: Condvar::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.lock().batches.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.changed.notify_all();
    }

    /// The next batch; waits while others may still queue second chances.
    pub fn next(&self) -> Option<Batch> {
        let mut queue = self.lock();
        loop {
            if self.shared.stopped() {
                return None;
            }
            if let Some(batch) = queue.batches.pop_front() {
                queue.busy += 1;
                return Some(batch);
            }
            if queue.busy == 0 {
                return None;
            }
            queue = self
                .changed
                .wait_timeout(queue, POLL)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Second chances go first: they finish tracks already paid for once.
    pub fn done(&self, again: Vec<Batch>) {
        let mut queue = self.lock();
        queue.busy -= 1;
        for batch in again.into_iter().rev() {
            queue.batches.push_front(batch);
        }
        drop(queue);
        self.changed.notify_all();
    }
}
