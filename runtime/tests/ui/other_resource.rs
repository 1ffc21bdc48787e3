use securegen_runtime::db::{self, Db};
use securegen_runtime::{Authorized, Resource};

struct Note;
struct Product;

impl Resource for Note {
    fn policy() -> &'static securegen_model::Resource {
        unimplemented!()
    }
}

impl Resource for Product {
    fn policy() -> &'static securegen_model::Resource {
        unimplemented!()
    }
}

async fn read_note(db: &Db, product_scope: &Authorized<Product>) {
    // A scope proves authorization for one resource only.
    let _ = db::fetch::<Note>(db, product_scope, "id").await;
}

fn main() {}
