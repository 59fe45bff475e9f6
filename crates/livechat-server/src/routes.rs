//! The route table. Paths and methods come from `livechat-types`, so server and SDK cannot
//! disagree about them.

use actix_web::{web, HttpResponse, Resource, Route};
use livechat_types::{message, room, visitor, Endpoint, ErrorBody, ErrorCode, Method};

use crate::handlers;

/// Registers every endpoint.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use handlers::{message as msg, room as rooms, visitor as visitors};

    cfg.route("/healthz", web::get().to(handlers::ops::healthz))
        .route("/readyz", web::get().to(handlers::ops::readyz))
        .route("/metrics", web::get().to(handlers::ops::metrics));
    cfg.service(
        resource::<visitor::register::Request>()
            .route(method::<visitor::register::Request>().to(visitors::register)),
    )
    .service(
        resource::<visitor::get::Request>()
            .route(method::<visitor::get::Request>().to(visitors::get))
            .route(method::<visitor::delete::Request>().to(visitors::delete)),
    )
    .service(
        resource::<room::open::Request>().route(method::<room::open::Request>().to(rooms::open)),
    )
    .service(
        resource::<room::close::Request>().route(method::<room::close::Request>().to(rooms::close)),
    )
    .service(
        resource::<room::config::Request>()
            .route(method::<room::config::Request>().to(rooms::config)),
    )
    .service(
        resource::<message::send::Request>()
            .route(method::<message::send::Request>().to(msg::send)),
    )
    .service(
        resource::<message::get::Request>()
            .route(method::<message::get::Request>().to(msg::get))
            .route(method::<message::update::Request>().to(msg::update))
            .route(method::<message::delete::Request>().to(msg::delete)),
    )
    .service(
        resource::<message::history::Request>()
            .route(method::<message::history::Request>().to(msg::history)),
    );
}

/// The resource at `E`'s route; other methods there get 405.
fn resource<E: Endpoint>() -> Resource {
    web::resource(E::ROUTE).default_service(web::to(method_not_allowed))
}

/// A route matching `E`'s method.
fn method<E: Endpoint>() -> Route {
    match E::METHOD {
        Method::Get => web::get(),
        Method::Post => web::post(),
        Method::Put => web::put(),
        Method::Delete => web::delete(),
    }
}

/// 404 in the envelope, for unknown routes.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(ErrorBody::plain(&ErrorCode::NotFound))
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed().json(ErrorBody::plain(&ErrorCode::MethodNotAllowed))
}
