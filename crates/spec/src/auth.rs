//! How a connection authenticates against the external service it calls.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::connection::NameValue;

/// Authentication settings of a connection, tagged by `authType`.
///
/// **Decision (docs contradict themselves):** the attribute tables of the
/// create and update pages call `auth` an "array of objects", but every
/// example body, request and response alike, sends a single object such as
/// `{"authType": "NONE"}`. A real tenant sends what the examples show, so
/// `auth` is modelled as one object; the test
/// `auth_is_an_object_not_an_array` keeps that decision pinned.
///
/// **Decision (types):** the docs show exactly two types, `NONE` and
/// `OAUTH`; no other type or field name is published, so no other is
/// invented. The set is closed: a newer server's type is rejected by the
/// generated client (see the client crate's docs).
///
/// **Decision (case):** the overview page's table gives `"oauth"` in its
/// example column, while every JSON body uses upper case `OAUTH`. The
/// bodies win: the tag values are upper case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(tag = "authType")]
pub enum Auth {
    /// No authentication: the request is sent as configured.
    #[serde(rename = "NONE")]
    None,
    /// OAuth 2.0 client credentials: an access token is fetched from
    /// `accessTokenUrl` and sent as a bearer token.
    #[serde(rename = "OAUTH", rename_all = "camelCase")]
    OAuth {
        /// The OAuth client identifier.
        client_id: String,
        /// The OAuth client secret. No docs page names this field (the
        /// Sitecore UI asks for a client secret); the list example returns
        /// an `OAUTH` connection without it, so it is optional and
        /// write-only: servers should not return it.
        ///
        /// **Decision (a stored secret stays home):** a server that keeps
        /// this secret sends it only with the settings it was saved with
        /// (`clientId`, `accessTokenUrl`, `useMutualTls`,
        /// `oauthCustomHeaders`, `formUrlEncodedItems`).
        /// An update that changes any of them without sending a secret
        /// stores the connection without one; a `testConnection` of a
        /// saved connection uses the stored secret only when these
        /// settings, and the URL the token is then sent to, are the saved
        /// ones, and otherwise runs as for a connection never saved.
        /// Otherwise anyone allowed to test connections could have any
        /// stored secret sent to a URL of their choice. This is the only
        /// write-only credential the docs publish; any other would follow
        /// the same rule.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_secret: Option<String>,
        /// URL of the token endpoint. The overview page requires `https`,
        /// but the list example holds `<baseURL>/v2/oauth/token`, so no
        /// `format: uri` is enforced (it would reject the docs' example).
        access_token_url: String,
        /// Whether the token request uses mutual TLS.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        use_mutual_tls: Option<bool>,
        /// Extra headers sent with the token request. Not `Content-Length`
        /// or `Transfer-Encoding`: the server sets them from the body it
        /// sends, and refuses a connection naming either (400).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        oauth_custom_headers: Option<Vec<NameValue>>,
        /// Extra form fields sent in the `application/x-www-form-urlencoded`
        /// token request body.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        form_url_encoded_items: Option<Vec<NameValue>>,
    },
}

impl Auth {
    /// Whether these are `saved`'s OAuth settings in every member but the
    /// secret: the settings a stored secret may be sent with (see the
    /// decision on `clientSecret`). `NONE` has no secret to send, so it
    /// matches nothing.
    pub fn same_settings_as(&self, saved: &Auth) -> bool {
        match (self, saved) {
            (
                Auth::OAuth {
                    client_id,
                    client_secret: _,
                    access_token_url,
                    use_mutual_tls,
                    oauth_custom_headers,
                    form_url_encoded_items,
                },
                Auth::OAuth {
                    client_id: saved_id,
                    client_secret: _,
                    access_token_url: saved_url,
                    use_mutual_tls: saved_tls,
                    oauth_custom_headers: saved_headers,
                    form_url_encoded_items: saved_items,
                },
            ) => {
                client_id == saved_id
                    && access_token_url == saved_url
                    && use_mutual_tls.unwrap_or(false) == saved_tls.unwrap_or(false)
                    && oauth_custom_headers.as_deref().unwrap_or_default()
                        == saved_headers.as_deref().unwrap_or_default()
                    && form_url_encoded_items.as_deref().unwrap_or_default()
                        == saved_items.as_deref().unwrap_or_default()
            }
            _ => false,
        }
    }
}
