//! The route table. Paths and methods come from `livechat-types`, so server and SDK cannot
//! disagree about them, and the same table builds the OpenAPI document ([`crate::openapi`]),
//! so no endpoint is served without being documented.

use actix_web::{http, web, HttpResponse, Resource, Route};
use livechat_types::openapi::Documented;
use livechat_types::{agent, message, room, visitor, widget, ErrorBody, ErrorCode, Method};

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
            .route(web::get().to(openapi::serve))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.route("/healthz", web::get().to(handlers::ops::healthz))
        .route("/readyz", web::get().to(handlers::ops::readyz))
        .route("/metrics", web::get().to(handlers::ops::metrics))
        .route("/websocket", web::get().to(crate::realtime::websocket));
    // The stock widget and the media it loads (SPEC section 10).
    for (path, route) in [
        ("/livechat", web::get().to(crate::widget::page)),
        ("/livechat/", web::get().to(crate::widget::to_page)),
        ("/livechat/{file:.+}", web::get().to(crate::widget::file)),
        ("/avatar/{username}", web::get().to(crate::widget::avatar)),
        (crate::widget::SOUND_PATH, web::get().to(crate::widget::sound)),
    ] {
        cfg.service(web::resource(path).route(route).default_service(web::to(method_not_allowed)));
    }
}

/// The API: every endpoint and its handler, one line each. [`configure`] routes it and
/// [`openapi::document`] documents it.
pub fn api(table: &mut impl Table) {
    use handlers::{
        agent as agents, message as msg, room as rooms, visitor as visitors, widget as widgets,
    };

    table
        .add::<message::send::Request>(web::to(msg::send))
        .add::<message::history::Request>(web::to(msg::history))
        .add::<message::get::Request>(web::to(msg::get))
        .add::<message::update::Request>(web::to(msg::update))
        .add::<message::delete::Request>(web::to(msg::delete))
        .add::<room::open::Request>(web::to(rooms::open))
        .add::<room::close::Request>(web::to(rooms::close))
        .add::<room::config::Request>(web::to(rooms::config))
        .add::<visitor::register::Request>(web::to(visitors::register))
        .add::<visitor::get::Request>(web::to(visitors::get))
        .add::<visitor::delete::Request>(web::to(visitors::delete))
        .add::<agent::login::Request>(web::to(agents::login))
        .add::<agent::logout::Request>(web::to(agents::logout))
        .add::<agent::status::Request>(web::to(agents::set_status))
        .add::<agent::rooms::Request>(web::to(agents::list_rooms))
        .add::<agent::chat_send::Request>(web::to(agents::send))
        .add::<agent::chat_update::Request>(web::to(agents::update))
        .add::<agent::chat_delete::Request>(web::to(agents::delete))
        .add::<agent::close_room::Request>(web::to(agents::close_room))
        .add::<agent::info::Request>(web::to(agents::info))
        .add::<widget::offline_message::Request>(web::to(widgets::offline_message))
        .add::<widget::offline_messages::Request>(web::to(widgets::offline_messages))
        .add::<widget::page_visited::Request>(web::to(widgets::page_visited))
        .add::<widget::visitor_status::Request>(web::to(widgets::visitor_status))
        .add::<widget::custom_field::Request>(web::to(widgets::custom_field));
}

/// What [`api`] is read into: the router, or the OpenAPI document.
pub trait Table {
    /// Adds endpoint `E`, served by `route` (a handler, without a method guard).
    fn add<E: Documented>(&mut self, route: Route) -> &mut Self;
}

/// One actix resource per route, so that a path served for one method answers the others
/// with 405.
#[derive(Default)]
struct Router {
    resources: Vec<(&'static str, Resource)>,
}

impl Table for Router {
    fn add<E: Documented>(&mut self, route: Route) -> &mut Self {
        let route = route.method(http_method(E::METHOD));
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
