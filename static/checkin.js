// 入场核验: where the browser has the BarcodeDetector API (Chrome on
// Android), a 扫码 button reads the ticket's QR code with the camera, fills
// the field and submits the form. Elsewhere the page works as it is: the
// invigilator types the 准考证号.
(function () {
  var form = document.getElementById('checkin-form');
  var button = document.getElementById('scan');
  var video = document.getElementById('scan-video');
  if (!form || !button || !video || !('BarcodeDetector' in window) || !navigator.mediaDevices) {
    return;
  }
  var field = form.querySelector('[name="code"]');
  button.hidden = false;
  var stream = null;
  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    video.hidden = true;
  }
  button.addEventListener('click', function () {
    if (stream) { stop(); return; }
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      return video.play();
    }).then(function tick() {
      if (!stream) { return; }
      detector.detect(video).then(function (codes) {
        if (codes.length > 0 && codes[0].rawValue) {
          field.value = codes[0].rawValue;
          stop();
          form.submit();
          return;
        }
        window.setTimeout(tick, 250);
      }, function () { window.setTimeout(tick, 500); });
    }).catch(function () {
      stop();
      button.textContent = '无法打开摄像头，请输入准考证号';
      button.disabled = true;
    });
  });
})();
