//! `newsdb entity merge | alias add | rename | ignore`: corrections that last. They are stored
//! in the database and honoured by every later import and by `newsdb reextract`.

use clap::Subcommand;

use newsdb::backend::PgStore;
use newsdb::store::{EntityLookup, EntityRow, Store};

use super::{Context, Failure, Outcome};

#[derive(Debug, Subcommand)]
pub enum EntityEdit {
    /// Merge entity B into entity A: B's mentions and aliases move to A, and B is removed.
    #[command(
        after_help = "Examples:\n  newsdb entity merge \"Kim Jong Un\" \"Kim Jong-un\"\n  newsdb entity merge person:Putin \"#42\""
    )]
    Merge {
        /// The entity that stays (a name, an alias, KIND:NAME or #ID).
        a: String,
        /// The entity merged into A.
        b: String,
    },
    /// Add an alias: the surface will be found as a mention of the entity.
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  newsdb entity alias add \"Kim Jong Un\" \"Dear Leader\"\n  newsdb entity alias add \"United Nations\" UN"
    )]
    Alias(AliasCommand),
    /// Give an entity another canonical name.
    #[command(
        after_help = "Examples:\n  newsdb entity rename \"Kim Jong-un\" \"Kim Jong Un\"\n  newsdb entity rename \"#42\" \"Korean Central News Agency\""
    )]
    Rename {
        /// The entity (a name, an alias, KIND:NAME or #ID).
        entity: String,
        /// Its new canonical name.
        new_name: String,
    },
    /// Never treat this surface as an entity; its stored mentions are removed now.
    #[command(
        after_help = "Examples:\n  newsdb entity ignore \"Read More\"\n  newsdb entity ignore Advertisement"
    )]
    Ignore {
        /// The text never to take for an entity.
        surface: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AliasCommand {
    /// Add ALIAS to ENTITY.
    #[command(
        after_help = "Examples:\n  newsdb entity alias add \"Kim Jong Un\" \"Dear Leader\"\n  newsdb entity alias add organization:\"United Nations\" UN"
    )]
    Add {
        /// The entity (a name, an alias, KIND:NAME or #ID).
        entity: String,
        /// Another name it goes by, found as its mention from now on.
        alias: String,
    },
}

/// The corrections, on a store of either backend.
trait EntityCorrections: EntityLookup {
    fn merge_entities(&mut self, kept: &EntityRow, absorbed: &EntityRow) -> Result<(), Failure>;
    fn add_entity_alias(&mut self, entity: &EntityRow, alias: &str) -> Result<(), Failure>;
    fn rename_entity(&mut self, entity: &EntityRow, name: &str) -> Result<(), Failure>;
    fn ignore_surface(&mut self, surface: &str) -> Result<u64, Failure>;
}

/// Implements [`EntityCorrections`] for a store type whose inherent methods have its names.
macro_rules! entity_corrections_of {
    ($store:ty) => {
        impl EntityCorrections for $store {
            fn merge_entities(
                &mut self,
                kept: &EntityRow,
                absorbed: &EntityRow,
            ) -> Result<(), Failure> {
                Ok(<$store>::merge_entities(self, kept, absorbed)?)
            }
            fn add_entity_alias(&mut self, entity: &EntityRow, alias: &str) -> Result<(), Failure> {
                Ok(<$store>::add_entity_alias(self, entity, alias)?)
            }
            fn rename_entity(&mut self, entity: &EntityRow, name: &str) -> Result<(), Failure> {
                Ok(<$store>::rename_entity(self, entity, name)?)
            }
            fn ignore_surface(&mut self, surface: &str) -> Result<u64, Failure> {
                Ok(<$store>::ignore_surface(self, surface)?)
            }
        }
    };
}

entity_corrections_of!(Store);
entity_corrections_of!(PgStore);

pub fn run(context: &Context, edit: &EntityEdit) -> Outcome {
    let mut store: Box<dyn EntityCorrections> = match context.open_postgres(false)? {
        Some(store) => Box::new(store),
        None => Box::new(context.open()?),
    };
    let store = store.as_mut();
    match edit {
        EntityEdit::Merge { a, b } => {
            let kept = resolve(store, a)?;
            let absorbed = resolve(store, b)?;
            if kept.id == absorbed.id {
                return Err(Failure::Failed(format!(
                    "{kept} and {absorbed} are the same entity"
                )));
            }
            store.merge_entities(&kept, &absorbed)?;
            context.note(&format!("merged {absorbed} into {kept}"));
        }
        EntityEdit::Alias(AliasCommand::Add { entity, alias }) => {
            let entity = resolve(store, entity)?;
            if alias.trim().is_empty() {
                return Err(Failure::Usage("the alias is empty".into()));
            }
            store.add_entity_alias(&entity, alias.trim())?;
            context.note(&format!(
                "`{}` is now an alias of {entity}; run `newsdb reextract` to find it in stored articles",
                alias.trim()
            ));
        }
        EntityEdit::Rename { entity, new_name } => {
            let entity = resolve(store, entity)?;
            if new_name.trim().is_empty() {
                return Err(Failure::Usage("the new name is empty".into()));
            }
            store.rename_entity(&entity, new_name.trim())?;
            context.note(&format!("renamed {entity} to {}", new_name.trim()));
        }
        EntityEdit::Ignore { surface } => {
            if surface.trim().is_empty() {
                return Err(Failure::Usage("the surface is empty".into()));
            }
            let removed = store.ignore_surface(surface.trim())?;
            context.note(&format!(
                "`{}` is ignored from now on; {removed} stored mention{} removed",
                surface.trim(),
                if removed == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(())
}

fn resolve(store: &mut dyn EntityCorrections, reference: &str) -> Result<EntityRow, Failure> {
    store.entity(reference).map_err(Failure::Failed)
}
