//! Sending failed-action emails. Every email is recorded in the workspace's outbox (so admins
//! and tests can see what was sent); with `MAILER=binding` it is also delivered through the
//! platform's `send_email` binding.

use parlor_core::failed_action::Email;
use worker::{Env, SendEmailBuilder};

use crate::error::{ApiError, ApiResult};

pub enum Mailer {
    /// Record only (local development, tests).
    Outbox,
    /// Record and deliver through the `SEND_EMAIL` binding.
    Binding { from: String },
}

impl Mailer {
    pub fn from_env(env: &Env) -> Mailer {
        let mode = env.var("MAILER").map(|v| v.to_string()).unwrap_or_default();
        if mode == "binding" {
            let from = env
                .var("MAIL_FROM")
                .map(|v| v.to_string())
                .unwrap_or_else(|_| "parlor@example.com".into());
            Mailer::Binding { from }
        } else {
            Mailer::Outbox
        }
    }

    /// Delivers to each address; the caller records the email in the outbox whatever happens.
    pub async fn deliver(&self, env: &Env, email: &Email, to: &[String]) -> ApiResult<()> {
        let Mailer::Binding { from } = self else {
            return Ok(());
        };
        let sender = env.send_email("SEND_EMAIL")?;
        for address in to {
            let message = SendEmailBuilder::builder(from, address, &email.subject)
                .text(&email.body)
                .build();
            sender
                .send_with_builder(&message)
                .await
                .map_err(|e| ApiError::Internal(format!("send_email to {address}: {e:?}")))?;
        }
        Ok(())
    }
}
