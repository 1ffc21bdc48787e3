use securegen::secure_resource;

#[secure_resource(roles = [admin], access(read = [admin]))]
pub struct Account {
    #[field(id, kind = uuid)]
    pub id: String,
    #[field(redact, read_roles = [admin])]
    pub tax_id: Option<String>,
}

fn main() {}
