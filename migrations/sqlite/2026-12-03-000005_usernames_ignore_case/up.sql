-- Usernames are unique ignoring case: `alice` and `Alice` would be two accounts that people
-- (and the login, which ignores case) cannot tell apart. `user add` allows only ASCII
-- letters, digits, `.`, `_` and `-`, so both backends' lower() agree. A database that
-- already has such a pair fails here; the server names them (`db::migrate`).
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
