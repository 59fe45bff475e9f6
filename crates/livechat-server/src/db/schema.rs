// Mirrors the migrations in `migrations/`; keep the two in step.

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    visitors (id) {
        id -> Text,
        token -> Text,
        username -> Text,
        name -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        department -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    rooms (id) {
        id -> Text,
        visitor_id -> Text,
        fname -> Text,
        open -> Bool,
        msgs -> BigInt,
        created_at -> BigInt,
        last_message_at -> Nullable<BigInt>,
        last_ts -> BigInt,
        served_by_id -> Nullable<Text>,
        served_by_username -> Nullable<Text>,
        served_at -> Nullable<BigInt>,
        department_id -> Nullable<Text>,
        closed_at -> Nullable<BigInt>,
        closed_by_id -> Nullable<Text>,
        closed_by_username -> Nullable<Text>,
        closer -> Nullable<Text>,
        source_type -> Text,
        updated_at -> BigInt,
        queued_at -> BigInt,
        tags -> Text,
        topic -> Nullable<Text>,
        agent_replied_at -> Nullable<BigInt>,
        survey_feedback -> Nullable<Text>,
        call_status -> Nullable<Text>,
    }
}

diesel::table! {
    messages (id) {
        id -> Text,
        rid -> Text,
        msg -> Text,
        ts -> BigInt,
        updated_at -> BigInt,
        author_id -> Text,
        author_username -> Text,
        author_name -> Nullable<Text>,
        visitor_id -> Nullable<Text>,
        alias -> Nullable<Text>,
        kind -> Nullable<Text>,
        edited_at -> Nullable<BigInt>,
        edited_by_id -> Nullable<Text>,
        edited_by_username -> Nullable<Text>,
        deleted -> Bool,
        data -> Nullable<Text>,
    }
}

diesel::joinable!(rooms -> visitors (visitor_id));
diesel::joinable!(messages -> rooms (rid));

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        name -> Text,
        password_hash -> Text,
        status -> Text,
        created_at -> BigInt,
        roles -> Text,
        presence -> Text,
        email -> Nullable<Text>,
        seen_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    permissions (id) {
        id -> Text,
        roles -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    auth_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    offline_messages (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        message -> Text,
        department -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    visitor_fields (visitor_id, key) {
        visitor_id -> Text,
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    room_pages (id) {
        id -> Text,
        rid -> Text,
        ts -> BigInt,
        change -> Text,
        title -> Text,
        href -> Text,
    }
}

diesel::table! {
    departments (id) {
        id -> Text,
        name -> Text,
        enabled -> Bool,
        description -> Nullable<Text>,
        show_on_registration -> Bool,
        show_on_offline_form -> Bool,
        email -> Text,
        request_tag_before_closing -> Bool,
        closing_tags -> Text,
        archived -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    department_agents (id) {
        id -> Text,
        department_id -> Text,
        user_id -> Text,
        count -> BigInt,
        sort_order -> BigInt,
    }
}

diesel::table! {
    custom_fields (id) {
        id -> Text,
        label -> Text,
        scope -> Text,
        visibility -> Text,
        regexp -> Text,
        searchable -> Bool,
        kind -> Text,
        required -> Bool,
        default_value -> Text,
        options -> Text,
        public -> Bool,
        updated_at -> BigInt,
    }
}

diesel::table! {
    room_fields (rid, key) {
        rid -> Text,
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    outbox (seq) {
        seq -> BigInt,
        id -> Text,
        channel -> Text,
        event -> Text,
        room_id -> Nullable<Text>,
        body -> Text,
        created_at -> BigInt,
        attempts -> BigInt,
        next_attempt_at -> BigInt,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<BigInt>,
        failed_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    settings (id) {
        id -> Text,
        value -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    triggers (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        enabled -> Bool,
        run_once -> Bool,
        conditions -> Text,
        actions -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    tags (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        updated_at -> BigInt,
    }
}

diesel::table! {
    tag_departments (tag_id, department_id) {
        tag_id -> Text,
        department_id -> Text,
    }
}

diesel::table! {
    canned_responses (id) {
        id -> Text,
        shortcut -> Text,
        text -> Text,
        scope -> Text,
        tags -> Text,
        department_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        created_by_id -> Text,
        created_by_username -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    files (id) {
        id -> Text,
        rid -> Text,
        visitor_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        name -> Text,
        #[sql_name = "type"]
        kind -> Text,
        size -> BigInt,
        complete -> Bool,
        message_id -> Nullable<Text>,
        created_at -> BigInt,
        width -> Nullable<BigInt>,
        height -> Nullable<BigInt>,
        thumbnail_id -> Nullable<Text>,
    }
}

diesel::table! {
    file_chunks (file_id, n) {
        file_id -> Text,
        n -> BigInt,
        data -> Binary,
    }
}

diesel::joinable!(auth_tokens -> users (user_id));
diesel::joinable!(files -> rooms (rid));
diesel::joinable!(file_chunks -> files (file_id));
diesel::joinable!(tag_departments -> tags (tag_id));
diesel::joinable!(tag_departments -> departments (department_id));
diesel::joinable!(room_fields -> rooms (rid));
diesel::joinable!(department_agents -> departments (department_id));
diesel::joinable!(department_agents -> users (user_id));
diesel::joinable!(visitor_fields -> visitors (visitor_id));
diesel::joinable!(room_pages -> rooms (rid));
diesel::allow_tables_to_appear_in_same_query!(
    counters,
    visitors,
    rooms,
    messages,
    users,
    auth_tokens,
    offline_messages,
    visitor_fields,
    room_pages,
    departments,
    department_agents,
    custom_fields,
    room_fields,
    settings,
    triggers,
    permissions,
    tags,
    tag_departments,
    canned_responses,
    files,
    file_chunks
);
