//! A transport that keeps what it was given instead of sending it.

use std::sync::{Mutex, PoisonError};

use crate::mail::{MailError, MailTransport, Rendered};

/// Every message "sent", with its Message-ID, in order.
#[derive(Default)]
pub struct CapturingTransport(Mutex<Vec<(Rendered, String)>>);

impl CapturingTransport {
    /// What was sent so far.
    pub fn sent(&self) -> Vec<(Rendered, String)> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl MailTransport for CapturingTransport {
    async fn send(&self, rendered: &Rendered, message_id: &str) -> Result<(), MailError> {
        let mut sent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        sent.push((rendered.clone(), message_id.to_string()));
        Ok(())
    }
}
