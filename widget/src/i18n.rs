//! The widget's own strings, in English and French. Card and agent text comes from the server.

use parlor_core::protocol::Side;

/// A language the widget's own strings exist in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    /// Picks a language from a tag such as `fr`, `fr-CA` or `en-US`; anything else is English.
    pub fn from_tag(tag: &str) -> Lang {
        let t = crate::text::trim(tag);
        let t = t.as_bytes();
        if t.len() >= 2
            && t[..2].eq_ignore_ascii_case(b"fr")
            && (t.len() == 2 || !t[2].is_ascii_alphabetic())
        {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }
}

/// Every string the widget itself shows or announces.
pub struct Strings {
    pub open_chat: &'static str,
    pub close_chat: &'static str,
    pub title: &'static str,
    pub replies_soon: &'static str,
    pub away: &'static str,
    pub connecting_agent: &'static str,
    pub agent_joined: &'static str,
    pub agent_left: &'static str,
    pub agent_typing: &'static str,
    pub agent_reconnecting: &'static str,
    pub agent: &'static str,
    pub you: &'static str,
    pub message_label: &'static str,
    pub send: &'static str,
    pub end_chat: &'static str,
    pub submit: &'static str,
    pub required: &'static str,
    pub required_mark: &'static str,
    pub invalid_email: &'static str,
    pub reconnecting: &'static str,
    pub sending: &'static str,
    pub expired: &'static str,
    pub ended_by_you: &'static str,
    pub ended_away: &'static str,
    pub ended_by_agent: &'static str,
    pub restart: &'static str,
    pub unavailable: &'static str,
    pub failed: &'static str,
    pub rate_limited: &'static str,
    pub retry: &'static str,
    pub too_long: &'static str,
    pub offline_action: &'static str,
    pub loading: &'static str,
    pub leave_message: &'static str,
    pub email: &'static str,
    pub thanks: &'static str,
    pub email_transcript: &'static str,
    pub transcript_sent: &'static str,
}

impl Strings {
    /// What an `ended` entry tells the visitor: none when the bot ran out of cards (only the
    /// offer of a new conversation shows).
    pub fn ended(&self, by: Side, visitor_away: bool) -> Option<&'static str> {
        match by {
            Side::Bot => None,
            _ if visitor_away => Some(self.ended_away),
            Side::Visitor => Some(self.ended_by_you),
            Side::Agent => Some(self.ended_by_agent),
        }
    }
}

pub static EN: Strings = Strings {
    open_chat: "Open chat",
    close_chat: "Close chat",
    title: "Chat with us",
    connecting_agent: "Waiting for an agent…",
    agent_joined: "joined the chat",
    agent_left: "left the chat; finding someone else…",
    agent_typing: "is typing…",
    agent_reconnecting: "is reconnecting…",
    replies_soon: "Typically replies in a few minutes",
    away: "We're away — leave a message",
    agent: "Agent",
    you: "You",
    message_label: "Your message",
    send: "Send",
    end_chat: "End chat",
    submit: "Submit",
    required: "This field is required.",
    required_mark: "(required)",
    invalid_email: "Please enter a valid email address.",
    reconnecting: "Reconnecting…",
    sending: "Sending…",
    expired: "This conversation has ended due to inactivity.",
    ended_by_you: "You ended the chat.",
    ended_away: "The chat ended while you were away.",
    ended_by_agent: "The agent ended the chat.",
    restart: "Start a new conversation",
    unavailable: "Chat is not available on this page.",
    failed: "We couldn't connect. Please try again.",
    rate_limited: "Too many attempts. Please wait a moment and try again.",
    retry: "Try again",
    too_long: "This message is too long.",
    offline_action: "You're offline. Please try again once reconnected.",
    loading: "Loading…",
    leave_message: "Leave us a message and we'll answer by email.",
    email: "Email",
    thanks: "Thanks — we'll email you at ",
    email_transcript: "Email me this conversation",
    transcript_sent: "We've emailed you this conversation.",
};

pub static FR: Strings = Strings {
    open_chat: "Ouvrir le chat",
    close_chat: "Fermer le chat",
    title: "Discutons",
    connecting_agent: "En attente d'un conseiller…",
    agent_joined: "a rejoint la conversation",
    agent_left: "a quitté la conversation ; nous cherchons quelqu'un d'autre…",
    agent_typing: "est en train d'écrire…",
    agent_reconnecting: "se reconnecte…",
    replies_soon: "Répond généralement en quelques minutes",
    away: "Nous sommes absents — laissez-nous un message",
    agent: "Conseiller",
    you: "Vous",
    message_label: "Votre message",
    send: "Envoyer",
    end_chat: "Terminer le chat",
    submit: "Envoyer",
    required: "Ce champ est obligatoire.",
    required_mark: "(obligatoire)",
    invalid_email: "Veuillez saisir une adresse e-mail valide.",
    reconnecting: "Reconnexion…",
    sending: "Envoi…",
    expired: "Cette conversation a pris fin pour cause d'inactivité.",
    ended_by_you: "Vous avez mis fin à la conversation.",
    ended_away: "La conversation a pris fin pendant votre absence.",
    ended_by_agent: "Le conseiller a mis fin à la conversation.",
    restart: "Démarrer une nouvelle conversation",
    unavailable: "Le chat n'est pas disponible sur cette page.",
    failed: "Connexion impossible. Veuillez réessayer.",
    rate_limited: "Trop de tentatives. Veuillez patienter un instant puis réessayer.",
    retry: "Réessayer",
    too_long: "Ce message est trop long.",
    offline_action: "Vous êtes hors ligne. Réessayez une fois la connexion rétablie.",
    loading: "Chargement…",
    leave_message: "Laissez-nous un message, nous vous répondrons par e-mail.",
    email: "E-mail",
    thanks: "Merci — nous vous écrirons à ",
    email_transcript: "M'envoyer cette conversation par e-mail",
    transcript_sent: "Nous vous avons envoyé cette conversation par e-mail.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_language_from_tag() {
        assert_eq!(Lang::from_tag("fr"), Lang::Fr);
        assert_eq!(Lang::from_tag("fr-CA"), Lang::Fr);
        assert_eq!(Lang::from_tag("FR_fr"), Lang::Fr);
        assert_eq!(Lang::from_tag("fry"), Lang::En);
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag(""), Lang::En);
        assert_eq!(Lang::from_tag("de"), Lang::En);
    }
}
