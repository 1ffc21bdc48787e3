use securegen_runtime::db::{self, Db};
use securegen_runtime::{Principal, Resource};

struct Note;

impl Resource for Note {
    fn policy() -> &'static securegen_model::Resource {
        unimplemented!()
    }
}

async fn read_note(db: &Db, caller: &Principal) {
    // Knowing who calls is not being allowed to read.
    let _ = db::fetch::<Note>(db, caller, "id").await;
}

fn main() {}
