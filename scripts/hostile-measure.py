import gzip, json, os, subprocess, sys, threading, time, urllib.request, uuid
# Measures what free-tier bombs cost a running `gas serve`: peak RSS and disk.
# Run by scripts/hostile-measure.sh (which starts the server): DATA PID URL.
D, pid, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
H = b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
bombs = {
 "b1.vcf.gz": gzip.compress(H + b"21\t25585733\t.\tC\tT\t.\t.\t.\n"*2300000, 9),
 "b2.vcf.gz": gzip.compress(b"##fileformat=VCFv4.2\n" + (b"##x=" + b"a"*(1<<20) + b"\n")*144 + H[21:], 9),
 "b3.vcf.gz": gzip.compress(H + b"21\t25585733\t.\tC\t" + b",".join([b"A"]*40000) + b"\t.\t.\t.\n", 9),
}
for k, v in bombs.items(): print(k, len(v), "bytes")
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1])//1024
peak = [rss()]; stop = False
def sampler():
    while not stop:
        peak[0] = max(peak[0], rss()); time.sleep(0.05)
threading.Thread(target=sampler, daemon=True).start()
def upload(tok, name, data):
    b = uuid.uuid4().hex
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{b}--\r\n".encode()
    req = urllib.request.Request(base + "/api/v1/jobs", data=body, headers={"Authorization": "Bearer " + tok, "Content-Type": "multipart/form-data; boundary=" + b})
    try:
        return json.load(urllib.request.urlopen(req))["id"]
    except urllib.error.HTTPError as e:
        print("upload", name, e.code, e.read()[:200]); return None
def get(tok, id):
    req = urllib.request.Request(base + "/api/v1/jobs/" + id, headers={"Authorization": "Bearer " + tok})
    return json.load(urllib.request.urlopen(req))
start = time.time(); print("rss before", peak[0], "MB")
jobs = []
for round_ in (["b1.vcf.gz", "b2.vcf.gz"], ["b3.vcf.gz"]):
    ths = []; rj = []
    for i in range(1, 6):
        tok = open(f"{D}/tok{i}").read().strip()
        for n in round_:
            def go(tok=tok, n=n):
                id = upload(tok, n, bombs[n])
                if id: rj.append((tok, n, id))
            t = threading.Thread(target=go); t.start(); ths.append(t)
    for t in ths: t.join()
    while True:
        st = [(n, get(tok, id)) for tok, n, id in rj]
        if all(j["status"] in ("COMPLETED", "FAILED") for _, j in st): break
        time.sleep(0.2)
    jobs += st
stop = True
print("all settled after %.1fs" % (time.time()-start))
for n, j in jobs: print(n, j["status"], j.get("error", "")[:150])
for l in open(f"/proc/{pid}/status"):
    if l.startswith("VmHWM"): print("server peak RSS (VmHWM)", int(l.split()[1])//1024, "MB")
print("sampled peak RSS", peak[0], "MB")
print(subprocess.run(["du", "-sh", D + "/blobs"], capture_output=True, text=True).stdout)
