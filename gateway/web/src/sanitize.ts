// Lesson HTML written by trainers: an allow-list, not DOMPurify's defaults (docs/security.md, "Lesson HTML").
//
// What Markdown needs and nothing else: no forms or inputs (a fake "sign in again" form), no inline
// styles (overlays that cover the page), no classes or ids (borrowing the app's own alert or button
// look), no iframes, SVG or MathML. Images only from our own origin or inline data: rasters: a remote
// image would tell a third party who read which lesson and when (and presigned storage URLs expire
// within minutes, so they cannot be written into a lesson). The Content-Security-Policy the gateway
// sends blocks the same things again in the browser; this keeps them out of the page in the first place.
import DOMPurify from "dompurify";

const TAGS = [
  "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "s", "del", "ins",
  "sub", "sup", "code", "pre", "kbd", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "img",
  "table", "thead", "tbody", "tr", "th", "td", "abbr",
];
const ATTRIBUTES = ["href", "title", "alt", "src", "align", "colspan", "rowspan", "start", "lang", "dir"];
// Inline images: raster formats only (an SVG could carry its own links and styles).
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp|avif);base64,[a-z0-9+/=\s]+$/i;
const LINK = /^(https?:|mailto:|\/|#|\.\.?\/)/i;

const purifier = DOMPurify(window);

function sameOrigin(url: string): boolean {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

purifier.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "IMG") {
    const src = node.getAttribute("src") ?? "";
    const allowed = DATA_IMAGE.test(src) || (!src.startsWith("data:") && !src.startsWith("//") && sameOrigin(src));
    if (!allowed) {
      // Keep what the picture was about, drop the request to elsewhere.
      const alt = node.getAttribute("alt");
      node.replaceWith(document.createTextNode(alt ? `[${alt}]` : ""));
    }
    return;
  }
  if (node.nodeName === "A") {
    const href = node.getAttribute("href");
    if (href !== null && !LINK.test(href.trim())) node.removeAttribute("href");
    if (href !== null && !sameOrigin(href)) node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

// Inline style attributes inside tags. Browsers apply the page's CSP even while DOMPurify parses into
// an inert document, so each one would be refused with a violation report before DOMPurify drops it;
// removing them from the text first keeps the console clean. DOMPurify remains the guard: a style this
// misses (a quoted ">" earlier in the tag) is still removed by it, and refused by the CSP.
const STYLE_ATTRIBUTE = /(<[a-z][^>]*?)\s+style\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+)/gi;

function withoutStyleAttributes(html: string): string {
  let previous = "";
  let current = html;
  while (current !== previous) {
    previous = current;
    current = current.replace(STYLE_ATTRIBUTE, "$1");
  }
  return current;
}

/** Sanitize lesson HTML (Markdown already rendered) for `dangerouslySetInnerHTML`. */
export function sanitizeLessonHtml(html: string): string {
  return purifier.sanitize(withoutStyleAttributes(html), {
    ALLOWED_TAGS: TAGS,
    ALLOWED_ATTR: ATTRIBUTES,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    // Text of removed elements stays (a <form>'s prose); DOMPurify's list (script, style, svg, …)
    // plus form controls drops their content too.
    ADD_FORBID_CONTENTS: ["textarea", "select", "option", "button", "object"],
    KEEP_CONTENT: true,
  });
}
