use securegen::prelude::*;
use securegen::runtime::db::Table;

#[secure_resource(access(read = [authenticated]))]
pub struct Note {
    #[field(id)]
    pub id: Uuid,
}

async fn read_note(notes: &Table<Note>, caller: &Principal) {
    // Knowing who calls is not being allowed to read.
    let _ = notes.fetch(caller, Uuid::nil()).await;
}

fn main() {}
