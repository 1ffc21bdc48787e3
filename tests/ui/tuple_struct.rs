use securegen::secure_resource;

#[secure_resource(roles = [user], access(read = [user]))]
pub struct Pair(String, String);

fn main() {}
