use securegen_runtime::Authorized;

struct Note;

fn main() {
    // The fields are private: only `authorize` builds one.
    let _forged: Authorized<Note> = Authorized { action: securegen_model::Action::Read, owner: None };
}
