// Seeded generator of tokenizer inputs for the Hugging Face differential test: text that stresses
// BertNormalizer, BertPreTokenizer, WordPiece, special-token splitting and pair truncation.
// Same seed and same Node (its ICU decides the Unicode categories) → same inputs.

// sfc32 seeded through splitmix32: fast, 128-bit state, good enough statistics for test data.
export function makeRng(seed) {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  const rng = {
    next,
    int: (n) => Math.floor((next() / 4294967296) * n),  // [0, n)
    range: (lo, hi) => lo + rng.int(hi - lo + 1),        // [lo, hi]
    chance: (p) => next() / 4294967296 < p,
    pick: (items) => items[rng.int(items.length)],
    // items: [[weight, value], ...]
    weighted: (items) => {
      let total = 0;
      for (const [w] of items) total += w;
      let r = rng.int(total);
      for (const [w, v] of items) {
        if (r < w) return v;
        r -= w;
      }
      return items[items.length - 1][1];
    },
  };
  for (let i = 0; i < 8; i++) next();  // let the state mix before the first draw
  return rng;
}

const isSurrogate = (cp) => cp >= 0xd800 && cp <= 0xdfff;

// Every Unicode scalar value, sorted into pools by general category (as Node's ICU sees it).
function buildCategoryPools() {
  const tests = {
    punctuation: /\p{P}/u,
    symbol: /\p{S}/u,
    mark: /\p{M}/u,
    control: /\p{Cc}/u,
    format: /\p{Cf}/u,
    unassigned: /\p{Cn}/u,
    private_use: /\p{Co}/u,
    separator: /\p{Z}/u,
    upper: /\p{Lu}|\p{Lt}/u,
    lower: /\p{Ll}/u,
    other_letter: /\p{Lo}|\p{Lm}/u,
    number: /\p{N}/u,
  };
  const pools = Object.fromEntries(Object.keys(tests).map((k) => [k, []]));
  const decomposing = [];  // characters whose NFD differs from themselves (accents, Hangul, singletons)
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (isSurrogate(cp)) continue;
    const ch = String.fromCodePoint(cp);
    for (const [name, re] of Object.entries(tests)) {
      if (re.test(ch)) {
        pools[name].push(cp);
        break;
      }
    }
    if (cp < 0x30000 && ch.normalize('NFD') !== ch) decomposing.push(cp);
  }
  pools.decomposing = decomposing;
  return pools;
}

let cachedPools = null;
function categoryPools() {
  cachedPools ??= buildCategoryPools();
  return cachedPools;
}

const fromRanges = (ranges) => {
  const out = [];
  for (const [lo, hi] of ranges) for (let cp = lo; cp <= hi; cp++) out.push(cp);
  return out;
};

// The ranges BERT's `_is_chinese_char` treats as CJK, plus Japanese/Korean scripts that it does not.
const CJK = fromRanges([
  [0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f], [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf], [0xf900, 0xfaff], [0x2f800, 0x2fa1f],
]);
const CJK_EDGES = [0x4dff, 0x4e00, 0x9fff, 0xa000, 0x33ff, 0x3400, 0x4dbf, 0x4dc0, 0x1ffff, 0x20000,
  0x2a6df, 0x2a6e0, 0x2a6ff, 0x2a700, 0x2b73f, 0x2b740, 0x2b81f, 0x2b820, 0x2ceaf, 0x2ceb0, 0xf8ff,
  0xf900, 0xfaff, 0xfb00, 0x2f7ff, 0x2f800, 0x2fa1f, 0x2fa20, 0x30000, 0x31350];
const NEAR_CJK = fromRanges([[0x3040, 0x30ff], [0xac00, 0xac40], [0xd7a0, 0xd7a3], [0x1100, 0x1112],
  [0x3000, 0x303f], [0xff00, 0xffef]]);

const WHITESPACE = [' ', ' ', ' ', '\t', '\n', '\r', '\r\n', '\u000b', '\u000c', '\u0085', '\u00a0',
  '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2007', '\u2009', '\u200a', '\u2028', '\u2029',
  '\u202f', '\u205f', '\u3000', '\u180e', '\u200b', '\ufeff', '\u001c', '\u001f'];
const CONTROLS = [0x00, 0x01, 0x07, 0x08, 0x1b, 0x7f, 0x80, 0x9f, 0xad, 0x600, 0x61c, 0x6dd, 0x70f,
  0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202e, 0x2060, 0x2066, 0xfff9, 0xfffb, 0xfffd, 0xfffe,
  0xffff, 0x1d173, 0xe0001, 0xe0041, 0xe007f, 0xf0000, 0x10fffd, 0x10ffff];
const ASCII_PUNCT = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'].map((c) => c.codePointAt(0));
// Letters whose case mapping or decomposition is not one-to-one.
const TRICKY = ['İ', 'ẞ', 'ß', 'Σ', 'ς', 'ǅ', 'ǈ', 'ﬀ', 'ﬃ', 'Ω', 'Å', 'K', 'ŉ', 'ǰ', 'ΐ', 'ﬓ',
  'Ⅻ', 'ⓐ', 'Ⓐ', '㎏', 'ﾊﾟ', 'ｶﾞ', 'ᾼ', 'ᾳ', 'Ϊ́', 'ṩ', 'ǖ', 'Ǖ', '\u0344', '\u0f73', '\u0958',
  'ꭰ', 'Ꭰ', '𐐀', '𐐨', '𞤀', 'ᲀ', 'ı', 'ſ', 'µ', 'ÿ', 'Ÿ', 'ǲ', '\u0345'];
const ACCENTED_WORDS = ['café', 'déjà', 'naïve', 'coöperation', 'résumé', 'Ångström', 'Việt Nam',
  'Zürich', 'señor', 'façade', 'Øresund', 'Łódź', 'Dvořák', 'Ελληνικά', 'ἀρχή', 'Ŵales', 'Ǆemal',
  'Crème brûlée', 'smörgåsbord', 'Ḿṍṩt', 'tiếng Việt', 'русский', 'Ёлка', 'हिन्दी', 'ภาษาไทย',
  '한국어', '조선말', 'עִבְרִית', 'العَرَبِيَّة'];
const SPECIAL_TOKENS = ['[CLS]', '[SEP]', '[PAD]', '[MASK]', '[UNK]'];
const SPECIAL_LOOKALIKES = ['[cls]', '[Sep]', '[mask]', '[unk]', '[ CLS]', '[CLS', 'CLS]', '[[SEP]]',
  '[CLS][SEP]', '[MASK ]', '[ＣＬＳ]', '[unused0]', '[unused99]', '##', '##s', '#', '[]', '[SEP',
  '[Ｓ]', '【CLS】', '[C\u0301LS]', '[CLS\u0301]'];
const EMOJI = ['😀', '👍', '👍🏽', '👨‍👩‍👧‍👦', '👩🏾‍💻', '🏳️‍🌈', '🇫🇷', '🇯🇵🇺🇸', '1️⃣', '#️⃣', '❤️', '☺',
  '🧑‍🤝‍🧑', '🫠', '🪼', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '✊🏿', '🤷‍♀️', '\u200d', '\ufe0f', '🀄', '🂡', '🄰'];

// A vocabulary piece without its "##", e.g. to build words WordPiece must split again.
function vocabPiece(rng, vocab) {
  for (;;) {
    const token = rng.pick(vocab);
    if (token.startsWith('[') && token.endsWith(']')) continue;
    return token.startsWith('##') ? token.slice(2) : token;
  }
}

function changeCase(rng, word) {
  const r = rng.int(11);
  if (r < 6) return word;
  if (r < 8) return word.toUpperCase();
  if (r < 10) return word.charAt(0).toUpperCase() + word.slice(1);
  return [...word].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join('');
}

const nfcOrNfd = (rng, text) => (rng.chance(0.5) ? text.normalize('NFC') : text.normalize('NFD'));
const codePoints = (rng, pool, n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCodePoint(rng.pick(pool));
  return s;
};

// A letter with 1–3 random combining marks (of mixed combining classes, so NFD reorders them),
// sometimes with a character clean_text removes between them, in NFC or NFD.
function markedLetter(rng) {
  const pools = categoryPools();
  let s = rng.chance(0.7) ? rng.pick('aeiouyncszAEIOUNCSZ') : String.fromCodePoint(rng.pick(pools.lower));
  const marks = rng.range(1, 3);
  for (let i = 0; i < marks; i++) {
    if (rng.chance(0.1)) s += String.fromCodePoint(rng.pick(CONTROLS));
    s += String.fromCodePoint(rng.chance(0.6) ? rng.range(0x300, 0x36f) : rng.pick(pools.mark));
  }
  return nfcOrNfd(rng, s);
}

// A word of exactly `length` code points around WordPiece's 100-character limit.
function longWord(rng, vocab) {
  const length = rng.range(90, 110);
  const chars = [];
  const flavour = rng.int(4);
  while (chars.length < length) {
    if (flavour === 0) chars.push(...vocabPiece(rng, vocab));
    else if (flavour === 1) chars.push(rng.pick('abcdefghijklmnopqrstuvwxyz'));
    else if (flavour === 2) chars.push(rng.chance(0.3) ? rng.pick(['é', 'ü', 'ñ', 'ß', 'ø']) : rng.pick('xyz'));
    else chars.push(String.fromCodePoint(rng.pick(categoryPools().lower)));
  }
  return chars.slice(0, length).join('');
}

function randomScalar(rng) {
  // Weighted towards the BMP but reaching every plane, including unassigned ones.
  const plane = rng.weighted([[8, 0], [3, 1], [2, 2], [1, 3], [1, rng.range(4, 13)], [1, 14], [1, 15], [1, 16]]);
  for (;;) {
    const cp = plane * 0x10000 + rng.int(0x10000);
    if (!isSurrogate(cp)) return cp;
  }
}

function categoryRun(rng) {
  const pools = categoryPools();
  const n = rng.range(1, 8);
  const pool = rng.weighted([
    [3, pools.punctuation], [3, pools.symbol], [2, pools.mark], [1, pools.control], [2, pools.format],
    [2, pools.unassigned], [1, pools.private_use], [2, pools.separator], [2, pools.upper],
    [2, pools.lower], [3, pools.other_letter], [2, pools.number], [2, pools.decomposing],
  ]);
  if (rng.chance(0.15)) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCodePoint(randomScalar(rng));
    return s;
  }
  return codePoints(rng, pool, n);
}

const PIECE_KINDS = [
  [30, 'word'], [8, 'accented'], [6, 'cjk'], [10, 'punct'], [5, 'special'], [10, 'category'],
  [1, 'long_word'], [4, 'emoji'], [3, 'number'], [3, 'control'], [4, 'tricky'], [3, 'marked'],
];

function piece(rng, vocab, kind) {
  switch (kind) {
    case 'word': {
      let w = vocabPiece(rng, vocab);
      while (rng.chance(0.3)) w += vocabPiece(rng, vocab);
      return changeCase(rng, w);
    }
    case 'accented':
      return nfcOrNfd(rng, changeCase(rng, rng.pick(ACCENTED_WORDS)));
    case 'cjk':
      return rng.chance(0.2)
        ? codePoints(rng, rng.chance(0.5) ? CJK_EDGES : NEAR_CJK, rng.range(1, 4))
        : codePoints(rng, CJK, rng.range(1, 6));
    case 'punct':
      return rng.chance(0.5)
        ? codePoints(rng, ASCII_PUNCT, rng.range(1, 3))
        : codePoints(rng, categoryPools().punctuation, rng.range(1, 3));
    case 'special': {
      const token = rng.chance(0.7) ? rng.pick(SPECIAL_TOKENS) : rng.pick(SPECIAL_LOOKALIKES);
      // Inside a word as often as on its own.
      return rng.chance(0.5) ? token : vocabPiece(rng, vocab) + token + (rng.chance(0.5) ? vocabPiece(rng, vocab) : '');
    }
    case 'category':
      return categoryRun(rng);
    case 'long_word':
      return longWord(rng, vocab);
    case 'emoji':
      return Array.from({ length: rng.range(1, 3) }, () => rng.pick(EMOJI)).join(rng.chance(0.5) ? '' : '\u200d');
    case 'number':
      return rng.chance(0.6) ? String(rng.int(1e9)) : codePoints(rng, categoryPools().number, rng.range(1, 4));
    case 'control':
      return codePoints(rng, CONTROLS, rng.range(1, 3));
    case 'tricky':
      return nfcOrNfd(rng, Array.from({ length: rng.range(1, 4) }, () => rng.pick(TRICKY)).join(''));
    case 'marked':
      return markedLetter(rng);
  }
  throw new Error(`unknown piece kind ${kind}`);
}

function separator(rng) {
  const r = rng.int(100);
  if (r < 25) return '';
  if (r < 80) return ' ';
  if (r < 95) return rng.pick(WHITESPACE);
  let s = '';
  for (let n = rng.range(2, 5); n > 0; n--) s += rng.pick(WHITESPACE);
  return s;
}

// One text made of `pieces` pieces; returns the text and the kinds used (for the summary).
function text(rng, vocab, pieces, kinds) {
  let s = rng.chance(0.1) ? rng.pick(WHITESPACE) : '';
  for (let i = 0; i < pieces; i++) {
    const kind = rng.weighted(PIECE_KINDS);
    kinds.add(kind);
    s += piece(rng, vocab, kind);
    if (i + 1 < pieces) s += separator(rng);
  }
  if (rng.chance(0.1)) s += rng.pick(WHITESPACE);
  return s;
}

// Mostly short texts; a few long enough that truncation has to cut deep.
function pieceCount(rng, long) {
  if (long) return rng.range(20, 150);
  const r = rng.int(100);
  if (r < 3) return 0;
  if (r < 73) return rng.range(1, 8);
  if (r < 96) return rng.range(8, 30);
  return rng.range(30, 120);
}

const MAX_LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 10, 16, 32, 64, 128, 256, 512];
const maxLength = (rng) => (rng.chance(0.6) ? rng.pick(MAX_LENGTHS) : rng.range(1, 200));

// One input: { text, text_pair?, max_length?, kinds }.
export function generateInput(rng, vocab) {
  const kinds = new Set();
  const input = {};
  if (rng.chance(0.35)) {
    const longSide = rng.weighted([[6, -1], [2, 0], [2, 1]]);  // -1: neither side forced long
    input.text = text(rng, vocab, pieceCount(rng, longSide === 0), kinds);
    input.text_pair = text(rng, vocab, pieceCount(rng, longSide === 1), kinds);
    if (rng.chance(0.75)) input.max_length = maxLength(rng);
    kinds.add('pair');
  } else {
    input.text = text(rng, vocab, pieceCount(rng, false), kinds);
    if (rng.chance(0.3)) input.max_length = maxLength(rng);
  }
  if (input.max_length !== undefined) kinds.add('truncation');
  input.kinds = kinds;
  return input;
}

// `count` inputs: the edge cases first, then generated ones.
export function generateInputs(seed, count, vocab) {
  const rng = makeRng(seed);
  const inputs = EDGE_CASES.slice(0, count);
  while (inputs.length < count) inputs.push(generateInput(rng, vocab));
  return inputs;
}

// Hand-picked inputs every run starts with: boundaries the generator reaches only by chance, and
// the minimal disagreements found so far (so a fix stays fixed).
const abWord = (n) => 'ab'.repeat(n).slice(0, n);
export const EDGE_CASES = [
  { text: '' }, { text: ' ' }, { text: '\u0000' }, { text: '\ufffd\u200b\u00ad' }, { text: '[CLS]' },
  { text: '[CLS][SEP][PAD][MASK][UNK]' }, { text: 'a[MASK]b' }, { text: '[cls] [Mask]' },
  { text: abWord(100) }, { text: abWord(101) }, { text: 'é'.repeat(100) }, { text: 'é'.repeat(101) },
  { text: 'e\u0301'.repeat(60) }, { text: 'ΟΔΟΣ Σ ς İstanbul ẞ ǅ K Å Ω' }, { text: '\u0301\u0001\u302f' },
  { text: '\ud838\udc23\u007f\u031e' }, { text: '\u0301 \u302f' }, { text: '\u302f\u0301' },
  { text: 'a\r\nb\u3000c\u00a0d\te' }, { text: '中文字 日本語 한국어' },
  { text: 'one two three', max_length: 1 }, { text: 'one two three', max_length: 2 },
  { text: 'unaffable x', max_length: 1 }, { text: 'a b c', text_pair: 'x y', max_length: 1 },
  { text: 'a b c', text_pair: 'x y', max_length: 2 }, { text: 'a b c', text_pair: 'x y', max_length: 3 },
  { text: 'x unaffable', text_pair: 'y', max_length: 2 }, { text: '', text_pair: '', max_length: 3 },
  { text: 'a a a a a a a a a', text_pair: 'b b b b b b b b', max_length: 8 },
  { text: 'a a a a a a a [CLS] a', text_pair: 'b b b b b b b b', max_length: 8 },
  { text: 'a a a a a a [CLS] [CLS] a', text_pair: 'b b b b b b b b', max_length: 8 },
  { text: '[CLS] a a a a a a a a', text_pair: 'b b b b b b b b', max_length: 8 },
  { text: 'unaffable '.repeat(20), text_pair: 'x', max_length: 10 },
  { text: 'x', text_pair: 'unaffable '.repeat(20), max_length: 10 },
].map((input) => ({ ...input, kinds: new Set(['edge']) }));
