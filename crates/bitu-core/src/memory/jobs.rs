//! Jobs stored in memory instead of the outbox.

use std::sync::{Mutex, PoisonError};

use crate::error::Result;
use crate::queue::{Job, JobStore};

/// Every job submitted, in order.
#[derive(Default)]
pub struct MemoryJobs(Mutex<Vec<Job>>);

impl MemoryJobs {
    /// The jobs submitted so far.
    pub fn jobs(&self) -> Vec<Job> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl JobStore for MemoryJobs {
    async fn submit(&self, job: Job) -> Result<()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(job);
        Ok(())
    }
}
