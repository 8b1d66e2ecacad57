/**
 * English function words. Topic and coverage measures skip them: every prompt has "the" and "of",
 * so counting them would make every pair of prompts look related.
 */
const WORDS = `a about above after again against all am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how
i if in into is it its itself just let me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your yours yourself yourselves also may might
must shall us okay ok oh yes yeah hey hi please thanks thank get got like one two im dont its thats`;

/** The stopword set, lowercase. */
export const STOPWORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((word) => word.length > 0));
