// A typed client of examples/shop, written against the types openapi-typescript derives from
// the service's OpenAPI document. `tsc --noEmit` must accept every line; each
// `@ts-expect-error` must meet an error, so a field that turns optional (or required) by
// mistake fails the check in both directions.
import type { components, paths } from "./shop";

type OrderView = components["schemas"]["OrderView"];
type OrderCreate = components["schemas"]["OrderCreate"];
type ProductView = components["schemas"]["ProductView"];
type Problem = components["schemas"]["Problem"];
type OrderList = paths["/api/v1/orders"]["get"]["responses"][200]["content"]["application/json"];

// Fields every reader of a row sees are required: no `undefined` to handle.
export function summary(o: OrderView): string {
  const id: string = o.id;
  const owner: string = o.owner_id;
  const quantity: number = o.quantity;
  const created: string = o.created_at;
  const status: "pending" | "paid" | "shipped" | "cancelled" = o.status;
  return `${id} ${owner} ${quantity} ${status} ${created}`;
}

// A field only some callers see is optional, and the compiler makes the client say so.
export function card(o: OrderView): string {
  // @ts-expect-error card_last4 is read_roles [owner, admin]: absent for other callers
  const last4: string | null = o.card_last4;
  return last4 ?? o.card_last4 ?? "none";
}

export function margin(p: ProductView): number {
  // @ts-expect-error cost_cents is read_roles [admin]
  const cost: number = p.cost_cents;
  return p.price_cents - (cost ?? p.cost_cents ?? 0);
}

// A create body: only writable fields, required ones required.
export const order: OrderCreate = { item: "book", quantity: 2 };
// @ts-expect-error owner_id is server-set: not part of a create body
export const forged: OrderCreate = { item: "book", quantity: 2, owner_id: "bob" };
// @ts-expect-error item is required on create
export const missing: OrderCreate = { quantity: 2 };

// A page: rows and an opaque cursor.
export function ids(page: OrderList): string[] {
  return page.items.map((o) => o.id);
}

export function explain(p: Problem): string {
  return `${p.status} ${p.title}`;
}
