use securegen::prelude::*;
use securegen::runtime::Authorized;
use securegen::runtime::db::Table;

#[secure_resource(access(read = [authenticated]))]
pub struct Note {
    #[field(id)]
    pub id: Uuid,
}

#[secure_resource(access(read = [authenticated]))]
pub struct Product {
    #[field(id)]
    pub id: Uuid,
}

async fn read_note(notes: &Table<Note>, product_scope: &Authorized<Product>) {
    // A scope proves authorization for one resource only.
    let _ = notes.fetch(product_scope, Uuid::nil()).await;
}

fn main() {}
