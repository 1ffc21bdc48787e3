use securegen::prelude::*;
use securegen::runtime::Authorized;

#[secure_resource(access(read = [authenticated]))]
pub struct Note {
    #[field(id)]
    pub id: Uuid,
}

fn main() {
    // The fields are private: only `authorize` builds one.
    let _forged: Authorized<Note> = Authorized { action: securegen::model::Action::Read, owner: None };
    // Nor does the maintenance constructor leave the runtime.
    let _every_row = Authorized::<Note>::maintenance();
}
