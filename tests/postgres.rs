//! The HTTP cases of `http.rs`, against PostgreSQL: set `SECUREGEN_TEST_POSTGRES` to a
//! server URL (`.ci/run` does). Without it the cases are skipped, saying so; with it, a server
//! that does not answer fails them.

mod common;

http_cases!(common::start_postgres().await; create_read_list_update_delete_follow_the_contract, another_users_row_is_indistinguishable_from_a_missing_one, roles_that_lack_an_action_get_403_and_no_token_gets_401, bodies_with_fields_the_caller_may_not_write_are_refused_whole, redacted_fields_never_leave_and_read_roles_are_per_role, values_are_validated_with_pointers_and_without_echo, malformed_bodies_are_400_413_415_never_500, pages_are_bounded_and_cursors_are_opaque_and_checked, tenants_are_isolated_and_etags_prevent_lost_updates, every_response_is_hardened_and_every_error_is_a_problem, cors_answers_only_allowlisted_origins, list_queries_answer_exactly_the_callers_matching_rows, hidden_fields_cannot_be_queried, cursors_are_bound_to_their_query, search_wildcards_match_only_themselves, references_point_only_at_rows_the_caller_reads);
