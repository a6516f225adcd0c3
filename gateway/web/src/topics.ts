// The topic vocabulary: a copy of services/courses/src/courses/domain/topics.py (the source; the
// catalogue filter there also finds the older tags). tests/browser/test_topics.py fails when the two
// differ. Each topic's name is "topic.<id>" in the message catalogues, in every language.
import type { MessageKey, Translate } from "./i18n";

// prettier-ignore
export const TOPICS = ["participatory-budgeting", "urban-governance", "housing", "climate-adaptation", "smart-cities", "digital-services", "municipal-finance"] as const;

/** Older tags -> the topic they now belong to (keys spelled as the service's topic_key()). */
// prettier-ignore
export const TOPIC_ALIASES: Record<string, string> = {"governance": "urban-governance", "local-governance": "urban-governance", "municipal-governance": "urban-governance", "budgeting": "participatory-budgeting", "participatory-budget": "participatory-budgeting", "climate": "climate-adaptation", "smart-city": "smart-cities", "e-government": "digital-services", "egovernment": "digital-services", "digital": "digital-services", "finance": "municipal-finance", "municipal-budget": "municipal-finance", "public-finance": "municipal-finance"};

/** A tag as the service compares it: trimmed, ASCII-lowercased, spaces as hyphens. */
function topicKey(tag: string): string {
  return tag
    .trim()
    .replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32))
    .replace(/[\s_]+/g, "-");
}

/** The vocabulary topic a tag belongs to (the tag itself when it is one, or unknown). */
export function canonicalTopic(tag: string): string {
  const key = topicKey(tag);
  return TOPIC_ALIASES[key] ?? key;
}

/** A tag's translated name: its topic's, or the tag as written when it is outside the vocabulary. */
export function topicLabel(t: Translate, tag: string): string {
  const key = `topic.${canonicalTopic(tag)}` as MessageKey;
  const label = t(key);
  return label === key ? tag : label;
}

/** The tags of a course as chips: one per topic (an old tag and its topic show once). */
export function topicChips(tags: readonly string[]): string[] {
  return [...new Set(tags.map(canonicalTopic))];
}
