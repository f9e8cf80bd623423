#include "runtimes/engines.h"

#include <grp.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "conformance/driver/residue.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/exec.h"
#include "core/netlink.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/unique_fd.h"

namespace nsm::runtimes {

using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The last lines a program wrote: what a skip or a failure quotes.
std::string tail_of(const std::string& text, size_t lines = 3) {
  std::string t = trim(text);
  size_t at = t.size();
  for (size_t n = 0; n < lines && at != std::string::npos && at > 0; ++n) at = t.rfind('\n', at - 1);
  return at == std::string::npos || at == 0 ? t : t.substr(at + 1);
}

std::string log_tail(const std::string& path) { return tail_of(read_file(path).value_or("")); }

// A one-shot command of the runtime (import an image, write a spec); throws ToolError.
std::string run_or_throw(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 120s,
                         std::map<std::string, std::string> environment = {}) {
  ProgramOptions options;
  options.timeout = timeout;
  options.environment = std::move(environment);
  const auto r = run_program(argv, options);
  if (!r.ok()) throw ToolError(fmt::format("{}: {}: {}", describe_command(argv), r.status.describe(), tail_of(r.err)));
  return r.out;
}

// A bridge of the run's own, marked so that `nsmatrix clean` may remove it (core/netlink.h).
std::string make_bridge(const RunContext& ctx, const char* tag) {
  const std::string name = fmt::format("nsm-{}-{}", ctx.pid, tag);
  auto rt = RouteSocket::open();
  rt.add_bridge(name);
  rt.set_up(name);
  return name;
}

void delete_bridge(const std::string& name, std::vector<std::string>& problems) {
  if (name.empty()) return;
  try {
    RouteSocket::open().del_link(name);
  } catch (const std::exception& e) {
    problems.push_back(fmt::format("bridge {}: {}", name, e.what()));
  }
}

// Stops a daemon started for the run: SIGTERM, then the group is killed after `grace`.
void stop_daemon(std::optional<Program>& daemon, const char* what, std::vector<std::string>& problems) {
  if (!daemon) return;
  daemon->signal(SIGTERM);
  daemon->deadline_in(30s);
  const ChildStatus status = daemon->finish().status;
  if (!(status.end == ChildStatus::End::Exited && status.exit_code == 0) &&
      !(status.end == ChildStatus::End::Signaled && status.signal == SIGTERM))
    problems.push_back(fmt::format("{} {}", what, status.describe()));
  daemon.reset();
}

// dockerd tells systemd it is ready (sd_notify READY=1) when NOTIFY_SOCKET names a socket:
// the driver listens on one of its own instead of polling the API.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& abstract_name) : name_(abstract_name) {
    fd_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd_.valid()) throw_sys("socket(AF_UNIX, SOCK_DGRAM)");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, name_.data(), std::min(name_.size(), sizeof addr.sun_path - 2));
    const socklen_t len =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + std::min(name_.size(), sizeof addr.sun_path - 2));
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) throw_sys("bind(notify socket)");
  }
  std::string value() const { return "@" + name_; }  // NOTIFY_SOCKET's
  // Waits for READY=1 until `timeout`, or until `daemon` ends (its pidfd turns readable).
  bool wait_ready(const Program& daemon, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      struct pollfd p[2] = {{fd_.get(), POLLIN, 0}, {daemon.pidfd(), POLLIN, 0}};
      const int r = ::poll(p, daemon.pidfd() >= 0 ? 2 : 1, static_cast<int>(left));
      if (stop_requested()) return false;
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw_sys("poll(notify socket)");
      if (r == 0 || (p[1].revents & POLLIN)) return false;
      char buf[4096];
      const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
      if (n > 0 && std::string_view(buf, static_cast<size_t>(n)).find("READY=1") != std::string_view::npos) return true;
    }
  }

 private:
  std::string name_;
  UniqueFd fd_;
};

// ---------------------------------------------------------------------------------------
class Docker : public Engine {
 public:
  std::string name() const override { return "docker"; }
  std::string program() const override { return "dockerd"; }
  std::vector<std::string> profiles() const override { return {"default", "privileged"}; }

  std::string version(const RunContext& ctx) override {
    if (socket_.empty()) return Engine::version(ctx);
    return trim(run_or_throw(client({"version", "--format", "{{.Server.Version}}"}), 30s, env()));
  }

  void prepare(RunContext& ctx) override {
    dir_ = ctx.work_dir + "/docker";
    make_directories(dir_ + "/client");
    write_file_atomic(dir_ + "/daemon.json", "{}\n");  // never the host's /etc/docker/daemon.json
    bridge_ = make_bridge(ctx, "dk");
    socket_ = dir_ + "/docker.sock";
    NotifySocket notify(ctx.marker + "-dockerd");
    ProgramOptions options;
    options.timeout = 60min;
    options.output = Output::File;
    options.output_path = ctx.log_dir + "/dockerd.log";
    options.environment = {{"NOTIFY_SOCKET", notify.value()}};
    // A daemon of the run's own: its socket, data and state under the work directory, the
    // run's bridge, and nothing on the host's firewall or forwarding (dockerd otherwise
    // sets net.ipv4.ip_forward=1).
    daemon_ = Program::start(
        {"dockerd", "--host", "unix://" + socket_, "--config-file", dir_ + "/daemon.json", "--data-root",
         dir_ + "/data", "--exec-root", dir_ + "/exec", "--pidfile", dir_ + "/dockerd.pid", "--bridge", bridge_,
         "--iptables=false", "--ip-forward=false", "--ip-masq=false", "--cgroup-parent", "/" + ctx.marker + "-docker"},
        options);
    if (!notify.wait_ready(*daemon_, 90s)) {
      const std::string why = log_tail(options.output_path);
      std::vector<std::string> ignored;
      stop_daemon(daemon_, "dockerd", ignored);
      throw CannotRun("dockerd did not become ready: " + why);
    }
    image_ = ctx.marker + ":rootfs";
    run_or_throw(client({"import", ctx.rootfs.tarball, image_}), 300s, env());
  }

  Launch launch(const RunContext&, const std::string& profile, const std::string& token) override {
    std::vector<std::string> args{"run", "--rm", "-i", "--name", token};
    if (profile == "privileged") args.push_back("--privileged");
    args.push_back(image_);
    for (auto& a : inside_command(token)) args.push_back(a);
    Launch l;
    l.argv = client(args);
    l.options.environment = env();
    l.notes.push_back(fmt::format(
        "dockerd of the run's own: bridge {}, --iptables=false --ip-forward=false --ip-masq=false", bridge_));
    return l;
  }

  std::vector<std::string> finish(RunContext&) override {
    std::vector<std::string> problems;
    stop_daemon(daemon_, "dockerd", problems);
    delete_bridge(bridge_, problems);
    return problems;
  }

 private:
  std::vector<std::string> client(std::vector<std::string> args) const {
    args.insert(args.begin(), {"docker", "-H", "unix://" + socket_});
    return args;
  }
  std::map<std::string, std::string> env() const { return {{"DOCKER_CONFIG", dir_ + "/client"}}; }
  std::string dir_, socket_, bridge_, image_;
  std::optional<Program> daemon_;
};

// Rootless podman runs as nobody: a user every system has, so that no user and no
// /etc/subuid range is made for the run.
constexpr uid_t kNobody = 65534;

// In the child, before exec: nobody without supplementary groups or capabilities. A change
// of credentials clears the parent-death signal: it is set again, so the program still dies
// with the driver.
void become_nobody() {
  if (::setgroups(0, nullptr) != 0) throw_sys("setgroups(0)");
  if (::setresgid(kNobody, kNobody, kNobody) != 0) throw_sys("setresgid(65534)");
  if (::setresuid(kNobody, kNobody, kNobody) != 0) throw_sys("setresuid(65534)");
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) throw_sys("prctl(PR_SET_PDEATHSIG)");
}

// ---------------------------------------------------------------------------------------
class Podman : public Engine {
 public:
  std::string name() const override { return "podman"; }
  std::string program() const override { return "podman"; }
  std::vector<std::string> profiles() const override { return {"default", "rootless"}; }

  void prepare(RunContext& ctx) override {
    dir_ = ctx.work_dir + "/podman";
    // podman will make /var/lib/containers/cache (its blob-info cache) whatever its --root:
    // noted, so that the removal of the work directory at the run's end, or by `nsmatrix
    // clean`, removes it too (residue.h).
    if (!std::filesystem::exists("/var/lib/containers"))
      write_file_atomic(ctx.work_dir + "/" + std::string(conformance::kMadeVarLibContainers), "");
    bridge_ = make_bridge(ctx, "pd");
    // Its default CNI network would make cni-podman0 and firewall chains on the host: a
    // network configuration of the run's own, on the run's bridge, with no masquerading.
    // No gateway: the bridge plugin would set net.ipv4.ip_forward=1 on the host for one.
    json conf = json::parse(R"({"cniVersion": "0.4.0", "name": "podman",
      "plugins": [{"type": "bridge", "isGateway": false, "ipMasq": false,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.237.0.0/24"}]]}}]})");
    conf["plugins"][0]["bridge"] = bridge_;
    conf["plugins"][0]["ipam"]["dataDir"] = dir_ + "/ipam";
    make_directories(dir_ + "/cni");
    write_file_atomic(dir_ + "/cni/podman.conflist", conf.dump(2) + "\n");
    image_ = "localhost/" + ctx.marker + ":rootfs";
    run_or_throw(command({"import", ctx.rootfs.tarball, image_}), 300s);
  }

  Launch launch(const RunContext& ctx, const std::string& profile, const std::string& token) override {
    if (profile == "rootless") return launch_rootless(ctx, token);
    // Raising RLIMIT_NOFILE/NPROC above the hard limit needs CAP_SYS_RESOURCE, which a root
    // without it lacks: podman's defaults would fail; the limits it sets are the host's.
    std::vector<std::string> args{"run",
                                  "--rm",
                                  "-i",
                                  "--name",
                                  token,
                                  "--cgroup-parent",
                                  "/" + ctx.marker + "-podman",
                                  "--ulimit",
                                  "nofile=4096:4096",
                                  "--ulimit",
                                  "nproc=4096:4096",
                                  image_};
    for (auto& a : inside_command(token)) args.push_back(a);
    Launch l;
    l.argv = command(args);
    l.notes = {"OCI runtime runc (podman's default crun refuses this host's hybrid cgroup layout: see crun)",
               "--ulimit nofile=4096:4096 nproc=4096:4096 (podman raises them otherwise, which needs CAP_SYS_RESOURCE)",
               fmt::format(
                   "storage vfs, CNI network of the run's own on bridge {}: no gateway, no masquerading, no forwarding",
                   bridge_)};
    return l;
  }

  std::vector<std::string> finish(RunContext& ctx) override {
    std::vector<std::string> problems;
    delete_bridge(bridge_, problems);
    // With the cgroupfs manager podman puts conmon in <parent>/conmon and never removes it;
    // it is empty once conmon has gone, so it is ours to remove, not news.
    for (const auto& root : conformance::cgroup_mounts())
      ::rmdir(fmt::format("{}/{}-podman/conmon", root, ctx.marker).c_str());
    end_rootless_pause(ctx, problems);
    return problems;
  }

 private:
  // Rootless podman leaves a pause process holding its user namespace for the next podman
  // of the same user; this run has no next one. Its pid file is trusted only when the
  // process's environment names the run's own XDG_RUNTIME_DIR.
  static void end_rootless_pause(const RunContext& ctx, std::vector<std::string>& problems) {
    const std::string run_dir = ctx.work_dir + "/rl/run";
    const auto pid_text = read_file(ctx.work_dir + "/rl/tmp/pause.pid");  // in podman's --tmpdir
    if (!pid_text) return;
    const pid_t pid = static_cast<pid_t>(std::strtol(pid_text->c_str(), nullptr, 10));
    const auto environment = read_file(fmt::format("/proc/{}/environ", pid));
    if (pid <= 1 || !environment || environment->find("XDG_RUNTIME_DIR=" + run_dir + '\0') == std::string::npos) return;
    try {
      conformance::kill_and_wait(pid);
    } catch (const std::exception& e) {
      problems.push_back(fmt::format("rootless pause process {}: {}", pid, e.what()));
    }
  }

  // podman as nobody, with a HOME, XDG_RUNTIME_DIR and storage of the run's own (owned by
  // nobody, under the work directory). Without a /etc/subuid range podman maps nobody alone:
  // root inside is nobody outside. Its default network, slirp4netns, makes nothing on the host.
  Launch launch_rootless(const RunContext& ctx, const std::string& token) {
    // Short names: podman refuses a runroot longer than 50 characters.
    const std::string dir = ctx.work_dir + "/rl";
    for (const char* sub : {"", "/home", "/run", "/root", "/rr", "/tmp"}) {
      make_directories(dir + sub);
      if (::chown((dir + sub).c_str(), kNobody, kNobody) != 0) throw_sys(fmt::format("chown({}{})", dir, sub));
    }
    if (::chmod((dir + "/run").c_str(), 0700) != 0) throw_sys(fmt::format("chmod({}/run)", dir));
    const std::vector<std::string> podman{"podman",    "--root",           dir + "/root", "--runroot",
                                          dir + "/rr", "--tmpdir",         dir + "/tmp",  "--storage-driver",
                                          "vfs",       "--cgroup-manager", "cgroupfs",    "--events-backend",
                                          "none",      "--runtime",        "runc"};
    ProgramOptions as_nobody;
    as_nobody.environment = {{"HOME", dir + "/home"}, {"XDG_RUNTIME_DIR", dir + "/run"}};
    as_nobody.before_exec = become_nobody;
    as_nobody.timeout = 300s;
    const std::string image = "localhost/" + ctx.marker + ":rootless";
    std::vector<std::string> import = podman;
    import.insert(import.end(), {"import", ctx.rootfs.tarball, image});
    if (const auto r = run_program(import, as_nobody); !r.ok())
      throw CannotRun(
          fmt::format("{} as nobody: {}: {}", describe_command(import), r.status.describe(), tail_of(r.err)));
    Launch l;
    l.argv = podman;
    l.argv.insert(l.argv.end(), {"run", "--rm", "-i", "--name", token});
    l.notes = {
        "as nobody (uid 65534), HOME and XDG_RUNTIME_DIR of the run's own; no /etc/subuid range: podman maps nobody "
        "alone "
        "(root inside is nobody outside)",
        "OCI runtime runc, storage vfs (as the default profile)"};
    // slirp4netns, its default network, opens /dev/net/tun as the user: where that is root's
    // alone (0600, no udev rule making it 0666), the container gets a network of its own
    // with loopback only; the host's device is not changed.
    struct stat tun {};
    if (::stat("/dev/net/tun", &tun) != 0 || (tun.st_mode & 0006) != 0006) {
      l.argv.insert(l.argv.end(), {"--network", "none"});
      l.notes.push_back(
          "--network none: /dev/net/tun is not open to other users here, so slirp4netns (the default) cannot run as "
          "nobody");
    } else {
      l.notes.push_back("network slirp4netns (rootless podman's default)");
    }
    l.argv.push_back(image);
    for (auto& a : inside_command(token)) l.argv.push_back(a);
    l.options = as_nobody;
    return l;
  }

  std::vector<std::string> command(std::vector<std::string> args) const {
    args.insert(args.begin(), {"podman", "--root", dir_ + "/root", "--runroot", dir_ + "/run", "--tmpdir",
                               dir_ + "/tmp", "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
                               "--events-backend", "none", "--network-config-dir", dir_ + "/cni", "--runtime", "runc"});
    return args;
  }
  std::string dir_, bridge_, image_;
};

// ---------------------------------------------------------------------------------------
// runc and crun: an OCI bundle from the runtime's own `spec` (its defaults), on the rootfs.
class OciRuntime : public Engine {
 public:
  explicit OciRuntime(std::string program) : program_(std::move(program)) {}
  std::string name() const override { return program_; }
  std::string program() const override { return program_; }
  std::vector<std::string> profiles() const override { return {"default"}; }

  void prepare(RunContext& ctx) override {
    dir_ = ctx.work_dir + "/" + program_;
    make_directories(dir_ + "/bundle");
    run_or_throw({program_, "spec", "--bundle", dir_ + "/bundle"}, 30s);
    const auto text = read_file(dir_ + "/bundle/config.json");
    if (!text) throw ToolError(fmt::format("{}/bundle/config.json: {}", dir_, errno_name(errno)));
    spec_ = parse_json_bounded(*text);
    spec_["root"]["path"] = ctx.rootfs.dir;
    spec_["process"]["terminal"] = false;
    spec_["linux"]["cgroupsPath"] = "/" + ctx.marker + "-" + program_;
  }

  Launch launch(const RunContext&, const std::string&, const std::string& token) override {
    json spec = spec_;
    spec["process"]["args"] = inside_command(token);
    write_file_atomic(dir_ + "/bundle/config.json", spec.dump(2) + "\n");
    Launch l;
    l.argv = {program_, "--root", dir_ + "/state", "run", "--bundle", dir_ + "/bundle", token};
    l.notes.push_back(fmt::format("`{} spec` defaults; process.terminal false, root {}", program_, "the run's rootfs"));
    cover_hybrid_cgroup2(l);
    return l;
  }

 private:
  // crun refuses a hybrid cgroup layout (v1 hierarchies with cgroup2 at /sys/fs/cgroup/unified:
  // "cgroups in hybrid mode not supported"). It is started in a mount namespace of its own
  // where that cgroup2 mount is covered, so it sees plain v1; the host is not changed.
  void cover_hybrid_cgroup2(Launch& l) const {
    if (program_ != "crun") return;
    struct statfs root {
    }, unified{};
    if (::statfs("/sys/fs/cgroup", &root) != 0 || root.f_type != TMPFS_MAGIC) return;
    if (::statfs("/sys/fs/cgroup/unified", &unified) != 0 || unified.f_type != CGROUP2_SUPER_MAGIC) return;
    l.options.clone_flags = CLONE_NEWNS;  // proven new by the spawner before before_exec runs
    l.options.before_exec = [] {
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) throw_sys("mount(/, MS_REC|MS_SLAVE)");
      if (::mount("nsm-crun-cover", "/sys/fs/cgroup/unified", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=4k") != 0)
        throw_sys("mount(tmpfs over /sys/fs/cgroup/unified)");
    };
    // Covered, it still tries to make the container's cgroup in the v2 hierarchy it found
    // first: it manages none (the container stays in the driver's cgroups).
    l.argv.insert(l.argv.begin() + 1, "--cgroup-manager=disabled");
    l.notes.push_back(
        "started in a mount namespace of its own with /sys/fs/cgroup/unified covered, and --cgroup-manager=disabled: "
        "crun refuses the "
        "hybrid cgroup layout (the container gets no cgroup of its own)");
  }
  std::string program_, dir_;
  json spec_;
};

// ---------------------------------------------------------------------------------------
class Bubblewrap : public Engine {
 public:
  std::string name() const override { return "bwrap"; }
  std::string program() const override { return "bwrap"; }
  std::vector<std::string> profiles() const override { return {"default", "unshare-all"}; }
  Launch launch(const RunContext& ctx, const std::string& profile, const std::string& token) override {
    Launch l;
    // bwrap has no root of its own: the rootfs read-only, a new /proc and a minimal /dev.
    l.argv = {"bwrap", "--die-with-parent", "--ro-bind", ctx.rootfs.dir, "/", "--proc", "/proc", "--dev", "/dev"};
    if (profile == "unshare-all") l.argv.push_back("--unshare-all");
    for (auto& a : inside_command(token)) l.argv.push_back(a);
    return l;
  }
};

// ---------------------------------------------------------------------------------------
class Nspawn : public Engine {
 public:
  std::string name() const override { return "systemd-nspawn"; }
  std::string program() const override { return "systemd-nspawn"; }
  std::vector<std::string> profiles() const override { return {"default"}; }
  Launch launch(const RunContext& ctx, const std::string&, const std::string& token) override {
    Launch l;
    // No systemd as PID 1 to register with or to make a scope: --register=no --keep-unit.
    l.argv = {"systemd-nspawn", "--quiet",      "--register=no", "--keep-unit",      "--console=pipe",
              "--directory",    ctx.rootfs.dir, "--machine",     token.substr(0, 64)};
    for (auto& a : inside_command(token)) l.argv.push_back(a);
    if (read_file("/proc/1/comm").value_or("") != "systemd\n")
      l.notes.push_back("--register=no --keep-unit: PID 1 is not systemd here");
    return l;
  }
};

// ---------------------------------------------------------------------------------------
class Lxc : public Engine {
 public:
  std::string name() const override { return "lxc"; }
  std::string program() const override { return "lxc-execute"; }
  std::vector<std::string> profiles() const override { return {"default"}; }
  void prepare(RunContext& ctx) override {
    dir_ = ctx.work_dir + "/lxc";
    make_directories(dir_);
    bridge_ = make_bridge(ctx, "lx");
    // The container's network on the run's bridge (LXC's packaged default is lxcbr0, which
    // lxc-net would make with its own dnsmasq and firewall rules).
    write_file_atomic(dir_ + "/config", fmt::format("lxc.rootfs.path = dir:{}\n"
                                                    "lxc.uts.name = nsm-lxc\n"
                                                    "lxc.net.0.type = veth\n"
                                                    "lxc.net.0.link = {}\n"
                                                    "lxc.net.0.flags = up\n"
                                                    "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n",
                                                    ctx.rootfs.dir, bridge_));
    log_dir_ = ctx.log_dir;
  }
  Launch launch(const RunContext&, const std::string& profile, const std::string& token) override {
    Launch l;
    l.argv = {"lxc-execute",    "--name",    token,
              "--lxcpath",      dir_,        "--rcfile",
              dir_ + "/config", "--logfile", fmt::format("{}/lxc-{}.lxc.log", log_dir_, profile),
              "--logpriority",  "INFO",      "--"};
    for (auto& a : inside_command(token)) l.argv.push_back(a);
    l.notes.push_back(fmt::format("lxc-execute, veth on bridge {} (not lxcbr0)", bridge_));
    return l;
  }
  std::vector<std::string> finish(RunContext&) override {
    std::vector<std::string> problems;
    delete_bridge(bridge_, problems);
    return problems;
  }

 private:
  std::string dir_, bridge_, log_dir_;
};

}  // namespace

std::string Engine::version(const RunContext&) {
  ProgramOptions options;
  options.timeout = 30s;
  const auto r = run_program({program(), "--version"}, options);
  const std::string text = trim(r.out.empty() ? r.err : r.out);
  return text.substr(0, text.find('\n'));
}

std::vector<std::string> inside_command(const std::string& token) {
  return {kInsideBinary, "inside", "--hold", "--token", token};
}

std::vector<std::unique_ptr<Engine>> all_engines() {
  std::vector<std::unique_ptr<Engine>> out;
  out.push_back(std::make_unique<Docker>());
  out.push_back(std::make_unique<Podman>());
  out.push_back(std::make_unique<OciRuntime>("runc"));
  out.push_back(std::make_unique<OciRuntime>("crun"));
  out.push_back(std::make_unique<Bubblewrap>());
  out.push_back(std::make_unique<Nspawn>());
  out.push_back(std::make_unique<Lxc>());
  return out;
}

}  // namespace nsm::runtimes
