// probe.json: the verdict of each namespace type and feature, with its evidence.
#include <set>

#include <nlohmann/json.hpp>

#include "reports/json_fields.h"
#include "reports/parse.h"

namespace nsm::reports {

namespace {

constexpr std::string_view kVerdictWords = "supported, unsupported, restricted, faulty";

AttemptEvidence parse_attempt(const JsonFields& a) {
  AttemptEvidence e;
  e.tried = a.boolean("tried");
  e.ok = a.opt_bool("ok").value_or(false);
  e.call = a.str_or_empty("call");
  e.err = a.opt_str("errno");
  e.meaning = a.str_or_empty("meaning");
  e.uid = a.opt_integer("uid");
  if (auto ids = a.opt_object("identities")) {
    auto text = [](const std::optional<JsonFields>& o) -> std::optional<std::string> {
      if (!o) return std::nullopt;
      return o->opt_str("text");
    };
    e.before = text(ids->opt_object("before"));
    e.after = text(ids->opt_object("after"));
    if (auto s = ids->opt_object("setns")) e.setns_after = text(s->opt_object("after"));
  }
  if (a.opt_bool("faulty").value_or(false)) e.fault = a.str_or_empty("fault");
  return e;
}

NamespaceProbe parse_namespace(const JsonFields& n) {
  NamespaceProbe p;
  p.id = n.id("id");
  p.type = n.word<NsType>("type", ns_type_from_name, "cgroup, ipc, net, mnt, pid, time, user, uts");
  p.title = n.str_or_empty("title");
  p.verdict = n.word<Verdict>("verdict", verdict_from_name, kVerdictWords);
  p.reason = n.str_or_empty("reason");
  if (auto k = n.opt_object("kconfig"))
    p.kconfig = KconfigEvidence{k->str_or_empty("symbol"), k->str_or_empty("value"), k->str_or_empty("line"),
                                k->str_or_empty("source")};
  if (auto proc = n.opt_object("proc_ns")) {
    p.proc_ns_path = proc->str_or_empty("path");
    p.proc_ns_present = proc->boolean("present");
  }
  if (auto v = n.opt_object("version")) {
    p.first_version = v->opt_str("first");
    p.kernel_version = v->opt_str("kernel");
    p.new_enough = v->opt_bool("new_enough");
  }
  if (auto a = n.opt_object("attempt")) p.attempt = parse_attempt(*a);
  if (auto a = n.opt_object("rootless")) p.rootless = parse_attempt(*a);
  p.believed = n.str_or_empty("believed");
  p.disagreements = n.opt_strings("disagreements");
  return p;
}

FeatureProbe parse_feature(const JsonFields& f) {
  FeatureProbe p;
  p.id = f.id("id");
  p.title = f.str_or_empty("title");
  p.verdict = f.word<Verdict>("verdict", verdict_from_name, kVerdictWords);
  p.reason = f.str_or_empty("reason");
  p.first_version = f.str_or_empty("first_version");
  if (auto evidence = f.opt_object("evidence")) {
    for (const auto& [key, value] : evidence->raw().items()) {
      if (value.is_string())
        p.evidence.emplace_back(key, value.get<std::string>());
      else if (value.is_null())
        p.evidence.emplace_back(key, "null");
      else if (value.is_number() || value.is_boolean())
        p.evidence.emplace_back(key, value.dump());
      else
        evidence->fail(key, "expected a string, number, boolean or null (evidence is flat)");
    }
  }
  return p;
}

}  // namespace

ProbeReport parse_probe(const nlohmann::json& doc, const std::string& file) {
  const JsonFields top(doc, file);
  ProbeReport r;
  r.tool_version = top.str_or_empty("tool_version");
  r.mode = top.str("mode");
  if (r.mode != "running" && r.mode != "config-only")
    top.fail("mode", "unknown word \"" + r.mode + "\" (expected running, config-only)");
  if (auto k = top.opt_object("kernel")) {
    r.release = k->str_or_empty("release");
    r.version = k->str_or_empty("version");
    r.machine = k->str_or_empty("machine");
    r.uname_version = k->str_or_empty("uname_version");
    r.debian_upstream_version = k->str_or_empty("debian_upstream_version");
  }
  if (auto c = top.opt_object("config")) {
    r.config_found = c->boolean("found");
    r.config_source = c->str_or_empty("source");
    r.config_header_version = c->str_or_empty("header_version");
    r.config_error = c->str_or_empty("error");
    r.config_matches_running = c->opt_bool("matches_running");
  }
  if (auto p = top.opt_object("process")) {
    r.euid = p->opt_integer("euid");
    r.cap_sys_admin = p->opt_bool("cap_sys_admin");
    r.guest = p->opt_bool("guest");
    if (auto initial = p->opt_object("initial_namespaces"))
      if (auto user = initial->opt_object("user")) r.in_initial_user_ns = user->opt_bool("initial");
  }
  std::set<NsType> seen;
  for (const auto& n : top.objects("namespaces")) {
    auto p = parse_namespace(n);
    if (!seen.insert(p.type).second) n.fail("type", "\"" + std::string(ns_name(p.type)) + "\" appears twice");
    r.namespaces.push_back(std::move(p));
  }
  std::set<std::string> feature_ids;
  for (const auto& f : top.opt_objects("features")) {
    auto p = parse_feature(f);
    if (!feature_ids.insert(p.id).second) f.fail("id", "\"" + p.id + "\" appears twice");
    r.features.push_back(std::move(p));
  }
  return r;
}

}  // namespace nsm::reports
