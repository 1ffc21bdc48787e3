use securegen::secure_resource;

#[secure_resource(roles = [admin], access(read = [admin]))]
pub struct Account {
    #[field(id)]
    pub id: securegen::types::Uuid,
    #[field(redact, read_roles = [admin])]
    pub tax_id: Option<String>,
}

fn main() {}
