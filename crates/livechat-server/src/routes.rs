//! The route table. Paths and methods come from `livechat-types`, so server and SDK cannot
//! disagree about them, and the same table builds the OpenAPI document ([`crate::openapi`]),
//! so no endpoint is served without being documented. The router also applies each
//! endpoint's declared error style, so no handler chooses one.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{http, web, HttpResponse, Resource, Route};
use livechat_types::openapi::Documented;
use livechat_types::{
    agent, canned_response, custom_field, department, file, inquiry, livechat_users, message,
    method, permission, room, setting, tag, transfer, trigger, user, visitor, webhook, widget,
    ErrorBody, ErrorCode, ErrorStyle, Method,
};

use crate::error::ApiError;
use crate::{handlers, openapi};

/// Registers every endpoint.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // actix tries resources in the order they were registered, the dynamic ones by regular
    // expression: the API comes first, its busiest endpoints at the head of [`api`].
    let mut router = Router::default();
    api(&mut router);
    for (_, resource) in router.resources {
        cfg.service(resource);
    }
    cfg.service(
        web::resource(openapi::ROUTE)
            .route(web::get().to(serve_openapi))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.route("/healthz", web::get().to(handlers::ops::healthz))
        .route("/readyz", web::get().to(handlers::ops::readyz))
        .route("/metrics", web::get().to(handlers::ops::metrics))
        .route("/websocket", web::get().to(crate::realtime::websocket));
    // The stock widget and the media it loads (SPEC section 10), and the agent console.
    for (path, route) in [
        ("/livechat", web::get().to(crate::widget::page)),
        ("/livechat/", web::get().to(crate::widget::to_page)),
        ("/livechat/{file:.+}", web::get().to(crate::widget::file)),
        ("/avatar/{username}", web::get().to(crate::widget::avatar)),
        (file::DOWNLOAD_ROUTE, web::get().to(handlers::download::download)),
        (crate::widget::SOUND_PATH, web::get().to(crate::widget::sound)),
        ("/console", web::get().to(crate::console::page)),
        ("/console/", web::get().to(crate::console::to_page)),
        ("/console/index.html", web::get().to(crate::console::to_page)),
        ("/console/assets/{build}/{file:.+}", web::get().to(crate::console::asset)),
    ] {
        cfg.service(web::resource(path).route(route).default_service(web::to(method_not_allowed)));
    }
}

/// The API: every endpoint and its handler, one line each. [`configure`] routes it and
/// [`openapi_document`] documents it.
pub fn api(table: &mut impl Table) {
    use handlers::{
        after_chat, agent as agents, canned_response as canned, custom_field as fields,
        department as departments, file as files, inquiry as queue, livechat_users as team, manage,
        message as msg, method as bridge, permissions as grants, room as rooms, settings,
        tag as tags, transfer as transfers, trigger as triggers, users, visitor as visitors,
        widget as widgets,
    };

    table
        .add::<message::send::Request>(web::to(msg::send))
        .add::<message::history::Request>(web::to(msg::history))
        .add::<message::get::Request>(web::to(msg::get))
        .add::<message::update::Request>(web::to(msg::update))
        .add::<message::delete::Request>(web::to(msg::delete))
        .add::<file::upload::Request>(web::to(files::upload))
        .add::<file::media::Request>(web::to(files::media))
        .add::<file::media_confirm::Request>(web::to(files::media_confirm))
        .add::<file::room_upload::Request>(web::to(files::room_upload))
        .add::<room::open::Request>(web::to(rooms::open))
        .add::<room::close::Request>(web::to(rooms::close))
        .add::<room::config::Request>(web::to(rooms::config))
        .add::<visitor::register::Request>(web::to(visitors::register))
        .add::<visitor::get::Request>(web::to(visitors::get))
        .add::<visitor::delete::Request>(web::to(visitors::delete))
        .add::<agent::login::Request>(web::to(agents::login))
        .add::<agent::logout::Request>(web::to(agents::logout))
        .add::<agent::status::Request>(web::to(agents::set_status))
        .add::<agent::rooms::Request>(web::to(manage::list_rooms))
        .add::<agent::chat_send::Request>(web::to(agents::send))
        .add::<agent::chat_update::Request>(web::to(agents::update))
        .add::<agent::chat_delete::Request>(web::to(agents::delete))
        .add::<agent::close_room::Request>(web::to(agents::close_room))
        .add::<agent::info::Request>(web::to(agents::info))
        .add::<widget::offline_message::Request>(web::to(widgets::offline_message))
        .add::<widget::offline_messages::Request>(web::to(widgets::offline_messages))
        .add::<widget::page_visited::Request>(web::to(widgets::page_visited))
        .add::<widget::visitor_status::Request>(web::to(widgets::visitor_status))
        .add::<widget::custom_field::Request>(web::to(widgets::custom_field))
        .add::<department::list::Request>(web::to(departments::list))
        .add::<department::create::Request>(web::to(departments::create))
        .add::<department::get::Request>(web::to(departments::get))
        .add::<department::update::Request>(web::to(departments::update))
        .add::<department::delete::Request>(web::to(departments::delete))
        .add::<department::agents::Request>(web::to(departments::agents))
        .add::<department::agents_update::Request>(web::to(departments::agents_update))
        .add::<department::archive::Request>(web::to(departments::archive))
        .add::<department::unarchive::Request>(web::to(departments::unarchive))
        .add::<department::archived::Request>(web::to(departments::archived))
        .add::<department::autocomplete::Request>(web::to(departments::autocomplete))
        .add::<department::of_agent::Request>(web::to(departments::of_agent))
        .add::<department::list_by_ids::Request>(web::to(departments::list_by_ids))
        .add::<method::call::Request>(web::to(bridge::call))
        .add::<method::call_anon::Request>(web::to(bridge::call_anon))
        .add::<custom_field::set_many::Request>(web::to(fields::set_many))
        .add::<custom_field::list::Request>(web::to(fields::list))
        .add::<custom_field::get::Request>(web::to(fields::get))
        .add::<custom_field::save::Request>(web::to(fields::save))
        .add::<custom_field::remove::Request>(web::to(fields::remove))
        .add::<setting::list::Request>(web::to(settings::list))
        .add::<setting::get::Request>(web::to(settings::get))
        .add::<setting::set::Request>(web::to(settings::set))
        .add::<trigger::list::Request>(web::to(triggers::list))
        .add::<trigger::save::Request>(web::to(triggers::save))
        .add::<trigger::get::Request>(web::to(triggers::get))
        .add::<trigger::delete::Request>(web::to(triggers::delete))
        .add::<agent::next::Request>(web::to(agents::next))
        .add::<user::create::Request>(web::to(users::create))
        .add::<user::delete::Request>(web::to(users::delete))
        .add::<user::me::Request>(web::to(users::me))
        .add::<user::set_status::Request>(web::to(users::set_status))
        .add::<user::update_own_basic_info::Request>(web::to(users::update_own_basic_info))
        .add::<livechat_users::list::Request>(web::to(team::list))
        .add::<livechat_users::add::Request>(web::to(team::add))
        .add::<livechat_users::get::Request>(web::to(team::get))
        .add::<livechat_users::remove::Request>(web::to(team::remove))
        .add::<permission::list_all::Request>(web::to(grants::list_all))
        .add::<permission::update::Request>(web::to(grants::update))
        .add::<inquiry::list::Request>(web::to(queue::list))
        .add::<inquiry::queued_for_user::Request>(web::to(queue::queued_for_user))
        .add::<inquiry::get_one::Request>(web::to(queue::get_one))
        .add::<inquiry::take::Request>(web::to(queue::take))
        .add::<inquiry::queue::Request>(web::to(queue::queue))
        .add::<transfer::forward::Request>(web::to(transfers::forward))
        .add::<transfer::switch::Request>(web::to(transfers::switch))
        .add::<transfer::history::Request>(web::to(transfers::history))
        .add::<room::transcript::Request>(web::to(after_chat::transcript))
        .add::<room::survey::Request>(web::to(after_chat::survey))
        .add::<visitor::call_status::Request>(web::to(after_chat::call_status))
        .add::<webhook::test_hook::Request>(web::to(after_chat::webhook_test))
        .add::<transfer::join::Request>(web::to(transfers::join))
        .add::<canned_response::get_all::Request>(web::to(canned::get_all))
        .add::<canned_response::list::Request>(web::to(canned::list))
        .add::<canned_response::get::Request>(web::to(canned::get))
        .add::<canned_response::save::Request>(web::to(canned::save))
        .add::<canned_response::remove::Request>(web::to(canned::remove))
        .add::<tag::list::Request>(web::to(tags::list))
        .add::<tag::get::Request>(web::to(tags::get))
        .add::<tag::save::Request>(web::to(tags::save))
        .add::<tag::remove::Request>(web::to(tags::remove))
        .add::<agent::rooms_filters::Request>(web::to(manage::filters))
        .add::<room::save_info::Request>(web::to(manage::save_info))
        .add::<room::messages::Request>(web::to(manage::room_messages))
        .add::<visitor::info::Request>(web::to(manage::visitor_info));
}

/// The OpenAPI document of [`api`].
pub fn openapi_document() -> serde_json::Value {
    let mut collector = openapi::collector();
    api(&mut collector);
    openapi::document(&mut collector)
}

/// `GET /api/v1/openapi.json`: the document, built once.
async fn serve_openapi() -> HttpResponse {
    static DOCUMENT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| openapi_document().to_string());
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(DOCUMENT.as_str())
}

impl Table for livechat_types::openapi::Collector {
    fn add<E: Documented>(&mut self, _: Route) -> &mut Self {
        livechat_types::openapi::Collector::add::<E>(self)
    }
}

/// What [`api`] is read into: the router, or the OpenAPI document.
pub trait Table {
    /// Adds endpoint `E`, served by `route` (a handler, without a method guard).
    fn add<E: Documented>(&mut self, route: Route) -> &mut Self;
}

/// One actix resource per route, so that a path served for one method answers the others
/// with 405. Each endpoint's errors take the style its type declares.
#[derive(Default)]
struct Router {
    resources: Vec<(&'static str, Resource)>,
}

impl Table for Router {
    fn add<E: Documented>(&mut self, route: Route) -> &mut Self {
        let route = route.method(http_method(E::METHOD));
        // Handlers return business errors plain; the few bracketed endpoints pay for the
        // rewrite, the others for nothing.
        let route = match E::ERRORS {
            ErrorStyle::Plain => route,
            ErrorStyle::Bracketed => route.wrap(from_fn(bracketed)),
        };
        match self.resources.iter().position(|(path, _)| *path == E::ROUTE) {
            Some(index) => {
                let (path, resource) = self.resources.remove(index);
                self.resources.insert(index, (path, resource.route(route)));
            }
            None => {
                let resource = web::resource(E::ROUTE).default_service(web::to(method_not_allowed));
                self.resources.push((E::ROUTE, resource.route(route)));
            }
        }
        self
    }
}

fn http_method(method: Method) -> http::Method {
    match method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
        Method::Put => http::Method::PUT,
        Method::Delete => http::Method::DELETE,
    }
}

/// 404 in the envelope, for unknown routes.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(ErrorBody::plain(&ErrorCode::NotFound))
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed().json(ErrorBody::plain(&ErrorCode::MethodNotAllowed))
}

/// Route middleware of [`ErrorStyle::Bracketed`] endpoints: a business error, from the
/// handler or from an extractor, is written `"[code]"` with `errorType`.
async fn bracketed(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse, actix_web::Error> {
    let res = next.call(req).await?;
    let code = match res.response().error().and_then(|err| err.as_error::<ApiError>()) {
        Some(ApiError::Client(code)) => code.clone(),
        _ => return Ok(res),
    };
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, HttpResponse::from_error(ApiError::Bracketed(code))))
}

#[cfg(test)]
mod tests {
    use actix_web::test::{call_service, init_service, read_body_json, TestRequest};
    use actix_web::App;
    use serde_json::{json, Value};

    use super::*;

    /// A handler that refuses with `invalid-token`, in no style of its own.
    async fn refuse() -> Result<HttpResponse, ApiError> {
        Err(ErrorCode::InvalidToken.into())
    }

    async fn refuse_params() -> Result<HttpResponse, ApiError> {
        Err(ApiError::Params("must have required property 'token'".into()))
    }

    #[actix_web::test]
    async fn the_router_writes_business_errors_in_the_endpoints_style() {
        let mut router = Router::default();
        router
            .add::<visitor::get::Request>(web::to(refuse))
            .add::<visitor::delete::Request>(web::to(refuse_params))
            .add::<message::get::Request>(web::to(refuse));
        let app = init_service(App::new().configure(|cfg| {
            for (_, resource) in router.resources {
                cfg.service(resource);
            }
        }))
        .await;
        let reply = |req: TestRequest| {
            let app = &app;
            async move {
                let res = call_service(app, req.to_request()).await;
                let status = res.status().as_u16();
                (status, read_body_json::<Value, _>(res).await)
            }
        };

        let bracketed = reply(TestRequest::get().uri("/api/v1/livechat/visitor/tok")).await;
        assert_eq!(
            bracketed,
            (
                400,
                json!({"success": false, "error": "[invalid-token]", "errorType": "invalid-token"})
            )
        );
        let plain = reply(TestRequest::get().uri("/api/v1/livechat/message/m1")).await;
        assert_eq!(plain, (400, json!({"success": false, "error": "invalid-token"})));
        // Validation errors have one form everywhere.
        let params = reply(TestRequest::delete().uri("/api/v1/livechat/visitor/tok")).await;
        let described = json!({
            "success": false,
            "error": "must have required property 'token' [invalid-params]",
            "errorType": "invalid-params"
        });
        assert_eq!(params, (400, described));
    }

    #[test]
    fn the_visitor_endpoints_and_only_they_are_bracketed() {
        struct Styles(Vec<(&'static str, ErrorStyle)>);

        impl Table for Styles {
            fn add<E: Documented>(&mut self, _: Route) -> &mut Self {
                self.0.push((E::ROUTE, E::ERRORS));
                self
            }
        }

        let mut styles = Styles(Vec::new());
        api(&mut styles);
        assert!(styles.0.len() > 20);
        for (route, style) in styles.0 {
            // SPEC section 1: `livechat/visitor*`, which includes `livechat/visitor.status`.
            let is_visitor = route.starts_with("/api/v1/livechat/visitor");
            assert_eq!(style == ErrorStyle::Bracketed, is_visitor, "{route}");
        }
    }
}
