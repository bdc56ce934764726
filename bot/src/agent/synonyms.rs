//! Words that name the same status in the languages exports are most often written
//! in: a CRM in Madrid writes `activo` where the standard accepts `active`. Only
//! whole values are matched (after case, spaces, `_` and `-` are set aside), and only
//! toward a value a standard accepts, so a word is never rewritten into a code nobody
//! asked for.

/// Groups of one meaning: the English words first (both spellings where English has
/// two), then Spanish, German, French, Portuguese, Italian and Dutch. An accent left
/// out is kept out where the bare word means something else (`livre`, `ferme`).
pub const STATUS_SYNONYMS: &[&[&str]] = &[
    &[
        "active", "activo", "activa", "aktiv", "actif", "ativo", "attivo", "actief",
    ],
    &[
        "inactive", "inactivo", "inactiva", "inaktiv", "inactif", "inativo", "inattivo", "inactief",
    ],
    &[
        "pending",
        "pendiente",
        "ausstehend",
        "en attente",
        "pendente",
        "in attesa",
        "in behandeling",
    ],
    &["open", "abierto", "offen", "ouvert", "aberto", "aperto"],
    &[
        "closed",
        "cerrado",
        "geschlossen",
        "fermé",
        "fechado",
        "chiuso",
        "gesloten",
    ],
    &[
        "cancelled",
        "canceled",
        "cancelado",
        "storniert",
        "annulé",
        "annule",
        "cancellato",
        "geannuleerd",
    ],
    &[
        "completed",
        "complete",
        "done",
        "completado",
        "abgeschlossen",
        "terminé",
        "termine",
        "concluído",
        "concluido",
        "completato",
        "voltooid",
    ],
    &[
        "shipped",
        "enviado",
        "versandt",
        "expédié",
        "expedie",
        "spedito",
        "verzonden",
    ],
    &[
        "delivered",
        "entregado",
        "geliefert",
        "livré",
        "entregue",
        "consegnato",
        "geleverd",
    ],
    &["paid", "pagado", "bezahlt", "payé", "pago", "pagato", "betaald"],
    &["new", "nuevo", "neu", "nouveau", "novo", "nuovo", "nieuw"],
    &[
        "approved",
        "aprobado",
        "genehmigt",
        "approuvé",
        "approuve",
        "aprovado",
        "approvato",
        "goedgekeurd",
    ],
    &[
        "rejected",
        "rechazado",
        "abgelehnt",
        "rejeté",
        "rejete",
        "rejeitado",
        "rifiutato",
        "afgewezen",
    ],
    &[
        "on hold",
        "en espera",
        "angehalten",
        "en suspens",
        "em espera",
        "in sospeso",
        "in de wacht",
    ],
];

/// The other words of `key`'s meaning (lower case, single spaces), if it has any.
pub fn synonyms_of(key: &str) -> impl Iterator<Item = &'static str> + '_ {
    STATUS_SYNONYMS
        .iter()
        .filter(move |group| group.contains(&key))
        .flat_map(|group| group.iter().copied())
        .filter(move |w| *w != key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_finds_its_meaning_in_other_languages() {
        let words: Vec<&str> = synonyms_of("active").collect();
        assert!(words.contains(&"activo") && words.contains(&"aktiv"));
        assert!(!words.contains(&"active"));
        assert!(synonyms_of("on hold").any(|w| w == "en espera"));
        assert_eq!(synonyms_of("purple").count(), 0);
    }

    /// No word belongs to two meanings: a mapping must never have to choose.
    #[test]
    fn no_word_has_two_meanings() {
        let mut seen = std::collections::HashSet::new();
        for w in STATUS_SYNONYMS.iter().flat_map(|g| g.iter()) {
            assert!(seen.insert(*w), "`{w}` is in two groups");
        }
    }
}
