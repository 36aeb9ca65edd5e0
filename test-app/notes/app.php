<?php
// Notes: a small server-rendered multi-page application, the kind the coordination drop-in is
// for, run by PHP's built-in server (`php -S 127.0.0.1:PORT app.php`, PHP_CLI_SERVER_WORKERS > 1
// so requests run in parallel). Its forms carry the action in the submit button's name and value,
// post/redirect/get with a flash message in the session, take a file upload, and every page runs
// a script with top-level consts and a non-configurable property, which would throw if the page's
// scripts ran twice in one window. It measures what the drop-in must bound: POSTs in flight at
// once, per action path, from when PHP starts the request until it has finished it.
//
// NOTES_DATA names a directory holding config.json (read on every request, so a test can switch
// the drop-in's mode without a restart): {cumulusUrl|null, capacity, mode, waitMs, fail, delayMs}.
// Notes live under it; GET /__stats and GET /__events are for the harness.
declare(strict_types=1);

$data = getenv('NOTES_DATA') ?: exit("NOTES_DATA is not set\n");
$config = json_decode((string) file_get_contents("$data/config.json"), true) ?: [];
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?: '/';

function h(string $s): string { return htmlspecialchars($s, ENT_QUOTES); }

/** Run $fn on the shared counters under an exclusive lock; returns what $fn returns. */
function counters(string $data, callable $fn) {
  $fp = fopen("$data/stats.json", 'c+');
  flock($fp, LOCK_EX);
  $s = json_decode((string) stream_get_contents($fp), true) ?: ['posts' => [], 'inFlight' => [], 'maxInFlight' => []];
  $out = $fn($s);
  ftruncate($fp, 0);
  rewind($fp);
  fwrite($fp, json_encode($s));
  fflush($fp);
  flock($fp, LOCK_UN);
  fclose($fp);
  return $out;
}

/** One line per POST start and end: "start|end <path> <unix ms> <tag>", for the bench's timeline. */
function event(string $data, string $kind, string $path, string $tag): void {
  file_put_contents("$data/events.log", sprintf("%s %s %.3f %s\n", $kind, $path, microtime(true) * 1000, $tag), FILE_APPEND | LOCK_EX);
}

function noteFile(string $data, string $id): string { return "$data/notes/$id.json"; }
function loadNote(string $data, string $id): array {
  $f = noteFile($data, $id);
  return is_file($f) ? (json_decode((string) file_get_contents($f), true) ?: ['edits' => []]) : ['edits' => []];
}

function layout(array $config, string $title, string $body): void {
  $tag = '';
  if (!empty($config['cumulusUrl'])) {
    $tag = sprintf('<script async src="%s/coord-dropin.js" data-capacity="%d" data-mode="%s" data-wait-ms="%d" data-fail="%s"></script>',
      h($config['cumulusUrl']), $config['capacity'] ?? 1, h($config['mode'] ?? 'queue'), $config['waitMs'] ?? 10000, h($config['fail'] ?? 'open'));
  }
  header('Content-Type: text/html; charset=utf-8');
  echo <<<HTML
<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{$title} · Notes</title>{$tag}</head>
<body><nav id="toolbar" data-ready="no"><a href="/">All notes</a></nav>
<h1>{$title}</h1>
{$body}
<script>
// The application's own script, as frameworks write them: top-level consts and a property that
// cannot be defined twice. Run a second time in this window, it would throw and leave the toolbar dead.
const toolbar = document.getElementById('toolbar');
const started = Date.now();
Object.defineProperty(window, 'notesApp', { value: Object.freeze({ started }), configurable: false });
toolbar.dataset.ready = 'yes';
toolbar.insertAdjacentHTML('beforeend', ' <span id="clock">page script ran</span>');
</script>
</body></html>
HTML;
}

if ($path === '/__stats') {
  header('Content-Type: application/json');
  echo counters($data, fn (array $s) => json_encode($s));
  exit;
}
if ($path === '/__events') {
  header('Content-Type: text/plain');
  readfile("$data/events.log");
  exit;
}
if ($path === '/__notes') {
  header('Content-Type: application/json');
  $all = [];
  foreach (glob("$data/notes/*.json") as $f) $all[basename($f, '.json')] = json_decode((string) file_get_contents($f), true);
  echo json_encode($all);
  exit;
}

session_start();
$id = preg_replace('/[^a-z0-9-]/', '', (string) ($_GET['id'] ?? $_POST['id'] ?? '')) ?: 'n0';

if ($_SERVER['REQUEST_METHOD'] === 'POST') {
  $tag = substr(preg_replace('/[^a-z0-9-]/', '', (string) ($_POST['tag'] ?? '')), 0, 40);
  counters($data, function (array &$s) use ($path) {
    $s['posts'][$path] = ($s['posts'][$path] ?? 0) + 1;
    $s['inFlight'][$path] = ($s['inFlight'][$path] ?? 0) + 1;
    $s['maxInFlight'][$path] = max($s['maxInFlight'][$path] ?? 0, $s['inFlight'][$path]);
  });
  event($data, 'start', $path, $tag);
  register_shutdown_function(function () use ($data, $path, $tag) {
    counters($data, function (array &$s) use ($path) { $s['inFlight'][$path]--; });
    event($data, 'end', $path, $tag);
  });
  usleep((int) ($config['delayMs'] ?? 50) * 1000);
  $action = $_POST['action'] ?? null;
  if ($path === '/save' && $action === 'save') {
    $note = loadNote($data, $id);
    $file = $_FILES['attachment'] ?? null;
    $attachment = ($file && $file['error'] === UPLOAD_ERR_OK)
      ? ['name' => (string) $file['name'], 'bytes' => (int) $file['size'], 'sha1' => sha1_file($file['tmp_name'])] : null;
    $note['edits'][] = ['body' => (string) ($_POST['body'] ?? ''), 'tag' => $tag, 'attachment' => $attachment];
    @mkdir("$data/notes");
    file_put_contents(noteFile($data, $id), json_encode($note), LOCK_EX);
    $_SESSION['flash'] = 'Saved edit ' . $tag;
    header("Location: /view?id=$id", true, 303);
    exit;
  }
  if ($path === '/save' && $action === 'discard') {
    $_SESSION['flash'] = 'Discarded';
    header("Location: /view?id=$id", true, 303);
    exit;
  }
  // No action named (the button's name and value did not arrive): the form again, as apps do.
  http_response_code(422);
  layout($config, 'Edit ' . h($id), '<p id="error">Choose Save or Discard.</p>' . editForm($id, (string) ($_POST['body'] ?? '')));
  exit;
}

function editForm(string $id, string $body): string {
  $id = h($id);
  $body = h($body);
  return <<<HTML
<form method="post" action="/save" enctype="multipart/form-data">
<input type="hidden" name="id" value="{$id}"><input type="hidden" name="tag" value="">
<p><textarea name="body" rows="4" cols="60">{$body}</textarea></p>
<p><label>Attachment <input type="file" name="attachment"></label></p>
<p><button type="submit" name="action" value="save">Save</button> <button type="submit" name="action" value="discard">Discard</button></p>
</form>
HTML;
}

if ($path === '/edit') {
  $note = loadNote($data, $id);
  $last = end($note['edits']) ?: ['body' => ''];
  layout($config, 'Edit ' . h($id), editForm($id, (string) $last['body']));
  exit;
}
if ($path === '/view') {
  $note = loadNote($data, $id);
  $flash = $_SESSION['flash'] ?? '';
  unset($_SESSION['flash']);
  $last = end($note['edits']) ?: null;
  $html = $flash !== '' ? '<p id="flash">' . h($flash) . '</p>' : '';
  if ($last) {
    $html .= '<article id="note" data-tag="' . h((string) $last['tag']) . '">' . nl2br(h((string) $last['body'])) . '</article>';
    if ($last['attachment']) $html .= '<p id="attachment" data-bytes="' . $last['attachment']['bytes'] . '">' . h($last['attachment']['name']) . '</p>';
  }
  $html .= '<p><a id="edit" href="/edit?id=' . h($id) . '">Edit</a> · ' . count($note['edits']) . ' edits</p>';
  layout($config, 'Note ' . h($id), $html);
  exit;
}
if ($path === '/') {
  $links = '';
  foreach (glob("$data/notes/*.json") as $f) $links .= '<li><a href="/view?id=' . h(basename($f, '.json')) . '">' . h(basename($f, '.json')) . '</a></li>';
  layout($config, 'All notes', "<ul>{$links}</ul><p><a href=\"/edit?id=new\">New note</a></p>");
  exit;
}
http_response_code(404);
layout($config, 'Not found', '<p>No such page.</p>');
